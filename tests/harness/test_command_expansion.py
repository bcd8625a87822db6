"""What a command file's body becomes: arguments, `@` files and `!` commands under the
permission checker (real checker, real shell commands in a temporary project)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from letta_code.harness.command_expansion import (
    MAX_FILE_CHARS,
    Approve,
    ExpansionError,
    approving,
    current_approver,
    expand_body,
)
from letta_code.permissions import PermissionChecker, parse_rule
from letta_code.tools.base import ToolSession


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("print('a')\n")
    (root / ".env").write_text("TOKEN=very-secret\n")
    return root


def expand(
    project: Path,
    body: str,
    arguments: str = "",
    *,
    allow: Sequence[str] = (),
    deny: Sequence[str] = (),
    ask: Sequence[str] = (),
    allowed_tools: Sequence[str] = (),
    approve: Approve | None = None,
    mode: str = "default",
) -> str:
    checker = PermissionChecker(mode, allow=allow, deny=deny, ask=ask, cwd=project)
    session = ToolSession(cwd=project, hidden=lambda path: checker.denied_by("Read", path) is not None)
    rules = [parse_rule(r) for r in allowed_tools]
    return asyncio.run(
        expand_body("cmd", body, arguments, checker=checker, session=session, allowed_tools=rules, approve=approve)
    )


def answering(answer: bool, asked: list[str]) -> Approve:
    async def approve(what: str) -> bool:
        asked.append(what)
        return answer

    return approve


def test_arguments_fill_the_placeholders(project: Path) -> None:
    body = "All: $ARGUMENTS | one: $1 | two: $2 | nine: [$9] | not a placeholder: $10 $ARG"
    out = expand(project, body, ' fix  "the bug" now ')
    assert out == 'All: fix  "the bug" now | one: fix | two: the bug | nine: [] | not a placeholder: $10 $ARG'
    # An unbalanced quote: the words are split on whitespace.
    assert expand(project, "$1/$2", "it's \"odd") == "it's/\"odd"


def test_arguments_are_appended_when_the_body_has_no_placeholder(project: Path) -> None:
    assert expand(project, "Review the code.", "focus on errors") == "Review the code.\n\nARGUMENTS: focus on errors"
    assert expand(project, "Review the code.") == "Review the code."
    assert expand(project, "", "just this") == "just this"


def test_at_path_includes_the_file_and_a_missing_one_stays_as_it_is(project: Path) -> None:
    out = expand(project, "Look at @src/a.py, and @nowhere.txt, mail me@example.com", "")
    assert out.startswith("Look at @src/a.py, and @nowhere.txt, mail me@example.com")
    assert "<file path=\"src/a.py\">\nprint('a')\n</file>" in out
    assert out.count("<file") == 1
    # From the arguments too, and once however often it is named.
    out = expand(project, "Explain $ARGUMENTS", "@src/a.py and @src/a.py")
    assert out.count("print('a')") == 1


def test_a_file_the_deny_rules_hide_is_never_included(project: Path) -> None:
    out = expand(project, "Check @.env and @src/a.py", deny=["Read(.env)"])
    assert "very-secret" not in out
    assert "(@.env is not included: the permission rule Read(.env) keeps it from the agent.)" in out
    assert "print('a')" in out
    # Without the rule it is an ordinary project file.
    assert "very-secret" in expand(project, "Check @.env")


def test_a_file_outside_the_project_needs_permission(project: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("my notes\n")
    with pytest.raises(ExpansionError, match=r"/cmd: @.*notes.md needs permission to be read .*--allowedTools"):
        expand(project, f"Use @{notes}")
    asked: list[str] = []
    assert "my notes" in expand(project, f"Use @{notes}", approve=answering(True, asked))
    assert asked == [f"read {notes}"]
    with pytest.raises(ExpansionError, match="you declined to include"):
        expand(project, f"Use @{notes}", approve=answering(False, []))
    assert "my notes" in expand(project, f"Use @{notes}", allow=[f"Read(/{notes})"])  # `//path`: absolute


def test_a_big_file_is_cut_with_a_note(project: Path) -> None:
    (project / "big.txt").write_text("x" * (MAX_FILE_CHARS + 500))
    out = expand(project, "@big.txt")
    included = out.split('<file path="big.txt">\n', 1)[1]
    assert included.startswith("x" * MAX_FILE_CHARS + "\n[... ")
    assert f"cut at {MAX_FILE_CHARS:,} characters" in out


def test_an_allowed_command_runs_and_its_output_replaces_it(project: Path) -> None:
    out = expand(project, "Files: !`ls src`\nBranch: !`echo $1`", "main")
    assert out == "Files: a.py\nBranch: main"
    # Its output is never read for `@` files.
    assert "<file" not in expand(project, "!`echo @src/a.py`")
    failing = expand(project, "!`ls nothing-here`")
    assert "No such file" in failing and "[exit status 2]" in failing


def test_a_command_the_checker_does_not_allow_is_refused_without_running(project: Path) -> None:
    with pytest.raises(ExpansionError) as caught:
        expand(project, "!`touch made.txt`")
    message = str(caught.value)
    assert message.startswith("/cmd: !`touch made.txt` needs permission: rerun with --allowedTools")
    assert "allowed-tools" in message and "\n" not in message
    assert not (project / "made.txt").exists()


def test_the_user_may_approve_or_decline_a_command(project: Path) -> None:
    asked: list[str] = []
    with pytest.raises(ExpansionError, match="not sent: you declined !`touch no.txt`"):
        expand(project, "!`touch no.txt`", approve=answering(False, asked))
    assert not (project / "no.txt").exists()
    expand(project, "!`touch yes.txt`", approve=answering(True, asked))
    assert (project / "yes.txt").exists()
    assert asked == ["run `touch no.txt`", "run `touch yes.txt`"]


def test_allowed_tools_of_the_file_allow_a_command(project: Path) -> None:
    out = expand(project, "!`touch made.txt && echo made`", allowed_tools=["Bash(touch:*)", "Read"])
    assert out == "made" and (project / "made.txt").exists()
    # A rule for another command does not.
    with pytest.raises(ExpansionError):
        expand(project, "!`touch other.txt`", allowed_tools=["Bash(git status:*)"])
    assert not (project / "other.txt").exists()


def test_deny_and_ask_rules_still_win_over_allowed_tools(project: Path) -> None:
    asked: list[str] = []
    with pytest.raises(ExpansionError, match="is not allowed"):
        expand(
            project,
            "!`touch made.txt`",
            deny=["Bash(touch:*)"],
            allowed_tools=["Bash(touch:*)"],
            approve=answering(True, asked),
        )
    assert asked == [] and not (project / "made.txt").exists()  # a denied command is not even asked about
    with pytest.raises(ExpansionError, match="matches the ask rule Bash"):
        expand(project, "!`touch made.txt`", ask=["Bash(touch:*)"], allowed_tools=["Bash(touch:*)"])
    # A denied read by a shell command is refused too: a hidden file never reaches the model.
    with pytest.raises(ExpansionError, match="is not allowed"):
        expand(project, "!`cat .env`", deny=["Read(.env)"])


def test_bypass_permissions_runs_what_no_rule_denies(project: Path) -> None:
    assert expand(project, "!`touch made.txt && echo ok`", mode="bypassPermissions") == "ok"


def test_the_approver_is_set_only_inside_approving() -> None:
    async def approve(what: str) -> bool:
        return True

    assert current_approver() is None
    with approving(approve):
        assert current_approver() is approve
    assert current_approver() is None
