"""Deny rules are walls in every mode: what might match them is refused, also under
`--allowedTools Bash` and bypassPermissions; wrappers, known or not, do not hide the
inner command."""

from __future__ import annotations

from pathlib import Path

import pytest

from letta_code.permissions import PermissionChecker

DENY = ["Bash(rm -rf:*)", "Read(.env)"]


def allow_all_checkers(root: Path) -> list[PermissionChecker]:
    return [
        PermissionChecker("bypassPermissions", deny=DENY, cwd=root),
        PermissionChecker("default", allow=["Bash"], deny=DENY, cwd=root),
        PermissionChecker("acceptEdits", allow=["Bash(*)"], deny=DENY, cwd=root),
    ]


def assert_denied_everywhere(root: Path, command: str) -> None:
    for checker in allow_all_checkers(root):
        decision = checker.check("Bash", {"command": command})
        assert decision.behavior == "deny", (checker.mode, command, decision)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / ".env").write_text("TOKEN=secret\n")
    (tmp_path / "v").mkdir()
    return tmp_path


HIDDEN_BY_EXPANSION = [
    "eval 'rm -rf v'",
    "$(echo rm) -rf v",
    "`echo rm` -rf v",
    "x=rm; $x -rf v",
    "eval 'cat .env'",
    "f() { rm -rf v; }; f",
    "for c in rm; do $c -rf v; done",
    "cat $F",
    'cat "$(printf .env)"',
    "cat ${F:-.env}",
    "source ./script.sh",
    ". ./script.sh",
    "$'\\x72m' -rf v",
    "r\\\nm -rf v",
    "cat .\\\nenv",
    "echo 'rm -rf v' | bash",
    "bash <<< 'rm -rf v'",
    "sh <<EOF\nrm -rf v\nEOF",
    "bash script.sh",
    "bash -s < script.sh",
    "zsh -c 'cat .env'",
    "echo .env | xargs cat",
    "find . -name '.e*' | xargs cat",
]


@pytest.mark.parametrize("command", HIDDEN_BY_EXPANSION)
def test_what_cannot_be_read_is_refused_when_a_deny_rule_could_match(root: Path, command: str) -> None:
    assert_denied_everywhere(root, command)


def test_without_deny_rules_allow_all_still_allows(root: Path) -> None:
    for command in ("eval 'echo hi'", "x=1; echo $x"):
        assert PermissionChecker("bypassPermissions", cwd=root).check("Bash", {"command": command}).allowed
        assert PermissionChecker("default", allow=["Bash"], cwd=root).check("Bash", {"command": command}).allowed


def test_ask_rules_are_walls_too(root: Path) -> None:
    checker = PermissionChecker("bypassPermissions", ask=["Bash(rm:*)"], cwd=root)
    assert checker.check("Bash", {"command": "eval 'rm v'"}).behavior == "ask"
    assert checker.check("Bash", {"command": "setsid rm v"}).behavior == "ask"


WRAPPED = [
    "setsid rm -rf v",
    "setsid -f rm -rf v",
    "stdbuf -oL rm -rf v",
    "stdbuf -o L rm -rf v",
    "flock /tmp/lock rm -rf v",
    "flock -n /tmp/lock -c 'rm -rf v'",
    "script -q -c 'rm -rf v' /dev/null",
    "ionice -c3 rm -rf v",
    "chrt -b 0 rm -rf v",
    "taskset -c 0 rm -rf v",
    "unshare -r rm -rf v",
    "watch -n 1 rm -rf v",
    "watch -x rm -rf v",
    "nice -n 5 setsid timeout 9 rm -rf v",
    "busybox rm -rf v",
    "mywrapper --flag /bin/rm -rf v",
    "su -c 'rm -rf v'",
    "ssh host 'rm -rf v'",
    "parallel ::: 'rm -rf v'",
    "nohup sh -c 'rm -rf v' &",
    "setsid --bogus rm -rf v",
    "python3 -c \"import os; os.system('rm -rf v')\"",
    "perl -e 'system(\"rm -rf v\")'",
    "awk 'BEGIN{system(\"rm -rf v\")}'",
    "vim -c '!rm -rf v'",
]


@pytest.mark.parametrize("command", WRAPPED)
def test_wrappers_do_not_hide_the_inner_command_from_deny_rules(root: Path, command: str) -> None:
    assert_denied_everywhere(root, command)


@pytest.mark.parametrize("command", ["setsid rm -rf v", "stdbuf -oL touch x", "flock l touch x", "watch touch x"])
def test_wrapped_commands_ask_under_a_narrow_allow_rule(root: Path, command: str) -> None:
    checker = PermissionChecker("default", allow=["Bash(echo:*)"], cwd=root)
    assert checker.check("Bash", {"command": command}).behavior == "ask"


def test_transparent_launchers_keep_an_allow_rule_for_the_inner_command(root: Path) -> None:
    checker = PermissionChecker("default", allow=["Bash(npm test:*)"], cwd=root)
    for command in ("setsid npm test", "stdbuf -oL npm test", "ionice -c3 npm test", "taskset 1 npm test"):
        assert checker.check("Bash", {"command": command}).allowed, command
    for command in ("unshare -r npm test", "flock l npm test", "watch npm test"):
        assert checker.check("Bash", {"command": command}).behavior == "ask", command


@pytest.mark.parametrize(
    "command",
    [
        "cp .env /tmp/x",
        "base64 .env",
        "python3 -c 'print(1)' .env",
        "tool --input=.env",
        "tool -f.env",
        "git add .env",
        "cat ./a/../.env",
        "dd if=.env",
        "awk 1 .env",
        "tar -cf - . | strings",
        "zip -qr - . | cat",
        "python3 -c \"print(open('.env').read())\"",
        "sqlite3 :memory: \"select readfile('.env')\"",
    ],
)
def test_a_denied_path_named_by_any_program_is_refused(root: Path, command: str) -> None:
    assert_denied_everywhere(root, command)


def test_programs_that_take_no_files_may_mention_the_name(root: Path) -> None:
    checker = PermissionChecker("bypassPermissions", deny=DENY, cwd=root)
    assert checker.check("Bash", {"command": "echo .env is ignored"}).allowed
    assert checker.check("Bash", {"command": "npm test"}).allowed
    assert checker.check("Bash", {"command": "rm -r v"}).allowed


def test_a_folder_without_denied_files_may_be_handed_to_any_program(root: Path) -> None:
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text("x = 1\n")
    checker = PermissionChecker("bypassPermissions", deny=DENY, cwd=root)
    assert checker.check("Bash", {"command": "tar -cf out.tar src"}).allowed
    assert checker.check("Bash", {"command": "tar -cf out.tar ."}).behavior == "deny"
