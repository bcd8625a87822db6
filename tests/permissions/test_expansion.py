"""Glob words are judged as what bash makes of them: kinds, exact expansion, and the
classes of attack that read a pattern as a literal name (issue: bracket globs, glob
expansion producing options)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from letta_code.permissions import PermissionChecker
from letta_code.permissions.expansion import bash_glob, expand_analysis
from letta_code.permissions.shell import analyze


def kinds(command: str) -> list[tuple[str, str]]:
    (cmd,) = analyze(command).commands
    return [(w.text, w.kind) for w in cmd.words[1:]]


def test_bracket_globs_split_by_tree_sitter_are_globs() -> None:
    assert kinds("cat .[e]nv") == [(".[e]nv", "glob")]
    assert kinds("cat '.['e]nv") == [(".[e]nv", "literal")]  # quoted `[`: a plain bracket
    assert kinds("cat .g[i]t/config x[") == [(".g[i]t/config", "glob"), ("x[", "literal")]


def test_quoted_metacharacters_are_escaped_in_the_pattern() -> None:
    assert kinds('ls "a"*b\\* "*"') == [("a*b[*]", "glob"), ("*", "literal")]
    assert kinds("ls [^a]b") == [("[!a]b", "glob")]


@pytest.mark.parametrize("word", ["[[:alpha:]]x", "[a-é]", '["a"]x', "[/]x", '"~"/x', "{a,b}", "x{1..3}"])
def test_what_cannot_be_translated_exactly_is_opaque(word: str) -> None:
    assert kinds(f"ls {word}")[0][1] == "opaque"


PATTERNS = ["*", ".*", "*.py", "[ab]*", "[!a]*", "[^a]*", "?", "sub/*", "*/", "-*", "*[0-9]", "x*y", ".[e]nv", "none*"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_expansion_equals_bash(tmp_path: Path, pattern: str) -> None:
    for name in ("a.py", "b.py", "-delete", "-o out", ".env", ".hidden", "x1", "xzy", "sub/c", "sub/.d"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("")
    bash = subprocess.run(
        ["bash", "-c", f"printf '%s\\0' {pattern}"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    expected = [w for w in bash.stdout.split("\0") if w]
    (cmd,) = expand_analysis(analyze(f"ls {pattern}"), str(tmp_path), trusted=True).commands
    assert sorted(w.text for w in cmd.words[1:]) == sorted(expected)
    matches = bash_glob(kinds(f"ls {pattern}")[0][0], str(tmp_path))
    assert matches is not None


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / ".git" / "hooks").mkdir(parents=True)
    (root / ".git" / "config").write_text("[core]\n")
    (root / ".letta").mkdir()
    (root / ".letta" / "settings.local.json").write_text("{}")
    (root / ".env").write_text("TOKEN=secret\n")
    (root / "-delete").write_text("")
    (root / "-ofile").write_text("")
    (root / "notes.txt").write_text("n\n")
    return root


DENY = ["Bash(rm -rf:*)", "Read(.env)"]
MODES = ["default", "acceptEdits", "plan", "bypassPermissions"]


def checkers(root: Path) -> list[PermissionChecker]:
    made = [PermissionChecker(mode, deny=DENY, cwd=root) for mode in MODES]
    made.append(PermissionChecker("default", allow=["Bash"], deny=DENY, cwd=root))
    return made


@pytest.mark.parametrize(
    "command",
    [
        "cat .[e]nv",
        "cat .e?v",
        "cat .en[v]",
        "head -c 100 .[!x]nv",
        "/bin/r[m] -rf x",
        "/bin/r? -rf x",
        "rm -r[f] x",
        "cat {.env,x}",
        "cp .[e]nv copy",
    ],
)
def test_globs_naming_denied_things_are_denied_in_every_mode(repo: Path, command: str) -> None:
    for checker in checkers(repo):
        decision = checker.check("Bash", {"command": command})
        assert decision.behavior == "deny", (checker.mode, command, decision)


@pytest.mark.parametrize(
    "command",
    [
        "printf x >> .g[i]t/config",
        "echo x > .l[e]tta/settings.local.json",
        "echo x > .g?t/config",
        "printf '[core]\\nfsmonitor=touch pwned\\n' >> .g[i]t/config && git status",
    ],
)
def test_globs_into_protected_folders_ask_in_accept_edits(repo: Path, command: str) -> None:
    decision = PermissionChecker("acceptEdits", cwd=repo).check("Bash", {"command": command})
    assert decision.behavior == "ask", decision
    assert PermissionChecker("plan", cwd=repo).check("Bash", {"command": command}).behavior == "deny"


@pytest.mark.parametrize("command", ["find . -maxdepth 0 *", "sort *", "sort notes.txt *", "ls; sort *"])
def test_expanded_names_are_checked_as_options(repo: Path, command: str) -> None:
    # `-delete` and `-ofile` in the folder turn these into writers.
    for mode in ("default", "acceptEdits", "plan"):
        decision = PermissionChecker(mode, cwd=repo).check("Bash", {"command": command})
        assert decision.behavior != "allow", (mode, command, decision)


def test_same_commands_without_option_like_names_stay_read_only(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("b\na\n")
    checker = PermissionChecker("default", cwd=tmp_path)
    for command in ("sort *", "cat *.txt", "ls *", "wc -l *.txt | sort"):
        assert checker.check("Bash", {"command": command}).behavior == "allow", command


def test_a_line_that_can_create_files_first_does_not_trust_its_globs(repo: Path) -> None:
    checker = PermissionChecker("acceptEdits", cwd=repo)
    # `touch` could create `-delete` before `find` expands `*`: the glob is not trusted.
    decision = checker.check("Bash", {"command": "touch x && find . -maxdepth 0 *.txt"})
    assert decision.behavior == "ask", decision
    # Redirections of one simple command happen after its own expansion.
    assert checker.check("Bash", {"command": "cat *.txt > all.out"}).behavior == "allow"


def test_globs_are_not_trusted_when_the_environment_changes_globbing(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASHOPTS", "dotglob")
    decision = PermissionChecker("default", deny=["Read(.env)"], cwd=repo).check("Bash", {"command": "cat *"})
    assert decision.behavior == "deny", decision  # with dotglob `*` would include .env
