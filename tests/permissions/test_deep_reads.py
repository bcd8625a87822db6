"""Classes 4 and 5: recursive readers and git's object store against `Read(...)` rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from letta_code.permissions import PermissionChecker
from tests.permissions.conftest import MakeChecker

MODES = ["default", "acceptEdits", "plan", "bypassPermissions"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def commit(cwd: Path, message: str = "c") -> None:
    git(cwd, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", message)


@pytest.fixture
def clean_repo(project: Path) -> Path:
    """A repository that never tracked .env (it stays untracked)."""
    git(project, "init", "-q", ".")
    git(project, "add", "src", "docs", "README.md")
    commit(project)
    return project


@pytest.fixture
def leaky_repo(project: Path) -> Path:
    """.env was committed once and then removed: it lives on in history only."""
    git(project, "init", "-q", ".")
    git(project, "add", "-A")
    commit(project)
    git(project, "rm", "-q", "--cached", ".env")
    commit(project, "remove")
    return project


def decide(checker: PermissionChecker, command: str) -> str:
    return checker.check("Bash", {"command": command}).behavior


def checkers(make_checker: MakeChecker, mode: str, rule: str = "deny") -> list[PermissionChecker]:
    rules = {rule: ["Read(.env)"]}
    return [make_checker(mode, **rules), make_checker(mode, allow=["Bash"], **rules)]


RECURSIVE = [
    "grep -r TOKEN",
    "grep -rn TOKEN .",
    "grep -R TOKEN .",
    "grep --recursive TOKEN .",
    "grep -d recurse TOKEN .",
    "grep --directories=recurse TOKEN .",
    "egrep -r TOKEN",
    "rg TOKEN",
    "rg TOKEN .",
    "rg -uu TOKEN",
    "diff -rN . src",
    "diff -N . src",
    "diff -r src .",
    "git diff --no-index . src",
    "git grep --no-index TOKEN",
    "git grep --untracked TOKEN",
    "grep -r --bogus TOKEN .",
    "rg --pre cat TOKEN",
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("command", RECURSIVE)
def test_recursive_reads_of_a_folder_with_a_denied_file(
    clean_repo: Path, make_checker: MakeChecker, mode: str, command: str
) -> None:
    for checker in checkers(make_checker, mode):
        assert decide(checker, command) == "deny", (mode, command)


@pytest.mark.parametrize("command", RECURSIVE[:12])
def test_recursive_reads_ask_under_ask_rules(clean_repo: Path, make_checker: MakeChecker, command: str) -> None:
    assert decide(make_checker("default", ask=["Read(.env)"]), command) == "ask"
    assert decide(make_checker("bypassPermissions", ask=["Read(.env)"]), command) == "ask"


def test_nested_denied_file_and_symlinks(project: Path, make_checker: MakeChecker) -> None:
    (project / "src" / "pkg" / "secrets.key").write_text("k")
    (project / "docs" / "env-link").symlink_to(project / ".env")
    checker = make_checker("default", deny=["Read(*.key)", "Read(.env)"])
    assert decide(checker, "grep -r x src") == "deny"
    assert decide(checker, "rg x src/pkg") == "deny"
    assert decide(checker, "diff -r docs src") == "deny"  # diff follows the link to .env


def test_recursive_reads_elsewhere_still_pass(clean_repo: Path, make_checker: MakeChecker) -> None:
    for mode in ("default", "acceptEdits", "plan"):
        checker = make_checker(mode, deny=["Read(.env)"])
        for command in (
            "grep -r foo src",
            "rg foo src docs",
            "diff -r src docs",
            "ls -R",
            "find . -name x",
            "tree",
            "du -sh .",
        ):
            assert decide(checker, command) == "allow", (mode, command)


def test_symlink_following_reader_asks_for_links_outside(project: Path, make_checker: MakeChecker) -> None:
    # link-to-home points outside the project: diff follows it, grep -r does not.
    assert decide(make_checker(), "diff -r . src") == "ask"
    assert decide(make_checker(), "grep -r x .") == "allow"


def test_walk_bound_assumes_a_match(project: Path, make_checker: MakeChecker, monkeypatch: pytest.MonkeyPatch) -> None:
    from letta_code.permissions import deep_reads

    monkeypatch.setattr(deep_reads, "_MAX_ENTRIES", 1)
    assert decide(make_checker(deny=["Read(.env)"]), "grep -r x src") == "deny"


GIT_CONTENT = [
    "git log -p",
    "git log --patch --all",
    "git log -u",
    "git log -p -- .env",
    "git log -S TOKEN",
    "git whatchanged -p",
    "git diff HEAD~1 HEAD",
    "git diff HEAD~1",
    "git show HEAD~1",
    "git show HEAD~1 --stat -p",
    "git grep TOKEN HEAD~1",
    "git blame README.md",
    "git log -c",
    "git reflog -p",
    "git -c core.pager=cat log",
    "git lg",
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("command", GIT_CONTENT)
def test_git_history_with_a_denied_file(leaky_repo: Path, make_checker: MakeChecker, mode: str, command: str) -> None:
    for checker in checkers(make_checker, mode):
        assert decide(checker, command) == "deny", (mode, command)
    assert decide(make_checker(mode, ask=["Read(.env)"]), command) == "ask"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "command",
    [
        "git show HEAD:.env",
        "git show HEAD:./.env",
        "git cat-file -p :.env",
        "git cat-file -p HEAD:.env",
        "git show :0:.env",
        "git show 'HEAD@{0}:.env'",
        "git cat-file blob HEAD:.env",
        "git show {sha}",
        "git cat-file -p {sha}",
        "git cat-file --batch",
        "git log -p {sha}..HEAD",
        "git diff {sha}^ {sha}",
        "git show {sha}~1:src/a.py",
        "git show $REV",
        "git config --blob HEAD:.env --list",
    ],
)
def test_git_object_names(clean_repo: Path, make_checker: MakeChecker, mode: str, command: str) -> None:
    sha = git(clean_repo, "rev-parse", "HEAD")
    command = command.replace("{sha}", sha[:12])
    for checker in checkers(make_checker, mode):
        assert decide(checker, command) == "deny", (mode, command)


def test_git_stash_and_index(clean_repo: Path, make_checker: MakeChecker) -> None:
    git(clean_repo, "add", "-f", ".env")  # staged only: in the index, not in any commit
    checker = make_checker(deny=["Read(.env)"])
    assert decide(checker, "git diff --cached") == "deny"
    assert decide(checker, "git grep --cached TOKEN") == "deny"
    git(clean_repo, "stash", "-q")
    assert decide(checker, "git stash show -p") == "deny"


def test_tag_pointing_at_a_blob(clean_repo: Path, make_checker: MakeChecker) -> None:
    blob = git(clean_repo, "hash-object", "-w", ".env")
    git(clean_repo, "tag", "innocent", blob)
    assert decide(make_checker(deny=["Read(.env)"]), "git show innocent") == "deny"


def test_git_still_works_when_nothing_denied_is_tracked(clean_repo: Path, make_checker: MakeChecker) -> None:
    for mode in ("default", "acceptEdits", "plan"):
        checker = make_checker(mode, deny=["Read(.env)"])
        for command in (
            "git status",
            "git log --oneline",
            "git log -p",
            "git diff",
            "git diff --stat",
            "git show HEAD",
            "git show HEAD:src/a.py",
            "git grep print",
            "git blame src/a.py",
        ):
            assert decide(checker, command) == "allow", (mode, command)


def test_names_only_git_commands_pass_with_history(leaky_repo: Path, make_checker: MakeChecker) -> None:
    checker = make_checker(deny=["Read(.env)"])
    for command in (
        "git status",
        "git log --oneline",
        "git log --stat",
        "git diff --stat HEAD~1",
        "git ls-files",
        "git rev-parse HEAD",
        "git branch",
    ):
        assert decide(checker, command) == "allow", command


def test_scan_is_cached_and_follows_new_commits(clean_repo: Path, make_checker: MakeChecker) -> None:
    checker = make_checker(deny=["Read(.env)"])
    assert decide(checker, "git log -p") == "allow"
    git(clean_repo, "add", "-f", ".env")
    commit(clean_repo, "leak")
    assert decide(checker, "git log -p") == "deny"
