"""The `<task-notification>` the agent gets when a background command ends, and waiting
for the running ones (headless --wait-background): each end claimed and sent once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from letta_code.harness.background import (
    claim_notifications,
    exit_text,
    next_notification,
    notification,
    report_until_done,
    tail,
)
from letta_code.harness.turn import TurnResult
from letta_code.tools.base import ToolSession
from letta_code.tools.registry import get_tool, shutdown
from letta_code.tools.shells import BackgroundShell, session_shells


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ToolSession]:
    s = ToolSession(cwd=tmp_path)
    yield s
    shutdown(s)


def finished(session: ToolSession, command: str) -> BackgroundShell:
    """Run `command` in the background and wait for it to end."""
    tool = get_tool("Bash")
    assert tool is not None
    r = tool.run({"command": command, "run_in_background": True}, session)
    shell = session_shells(session)[r.output.split()[3]]
    shell.proc.wait(10)
    return shell


def test_the_notification_names_the_shell_command_exit_code_and_output(session: ToolSession) -> None:
    shell = finished(session, "echo building; echo done-marker")
    assert notification(shell) == (
        "<task-notification>\n"
        "<bash-id>bash_1</bash-id>\n"
        "<command>echo building; echo done-marker</command>\n"
        "<status>finished, exit code 0</status>\n"
        "<output-tail>\nbuilding\ndone-marker\n</output-tail>\n"
        'The background command bash_1 has ended. BashOutput(bash_id="bash_1") shows all of its output '
        "you have not read yet.\n"
        "</task-notification>"
    )


def test_only_the_last_lines_are_sent_and_stderr_is_labelled(session: ToolSession) -> None:
    shell = finished(session, "seq 1 100; echo failed >&2; exit 2")
    text = notification(shell)
    assert "<status>finished, exit code 2</status>" in text
    body = text.split("<output-tail>\n")[1].split("\n</output-tail>")[0]
    assert body.splitlines() == ["(earlier output left out)", *[str(n) for n in range(91, 101)], "[stderr]", "failed"]
    quiet = finished(session, "true")
    assert "<output-tail>\n(no output)\n</output-tail>" in notification(quiet)


def test_long_output_is_cut_to_its_last_characters() -> None:
    text = "\n".join("x" * 300 for _ in range(15))
    kept, cut = tail(text, 20, 2_000)
    assert cut and len(kept) <= 2_000 and kept.splitlines() == ["x" * 300] * 6
    assert tail("a\nb\n", 20, 2_000) == ("a\nb", False)


def test_exit_text_for_codes_and_signals() -> None:
    assert exit_text(0) == "exit code 0"
    assert exit_text(-9) == "killed by signal SIGKILL (exit code -9)"
    assert exit_text(None) == "still running"


def test_each_end_is_claimed_once(session: ToolSession) -> None:
    one, two = finished(session, "echo one"), finished(session, "echo two")
    claimed, message = claim_notifications([one, two])
    assert claimed == [one, two]
    assert message.count("<task-notification>") == 2 and "one" in message and "two" in message
    assert claim_notifications([one, two]) == ([], "")


def test_next_notification_waits_for_a_running_command(session: ToolSession) -> None:
    tool = get_tool("Bash")
    assert tool is not None
    tool.run({"command": "sleep 0.5; echo late", "run_in_background": True}, session)
    message = asyncio.run(next_notification(session))
    assert message is not None and "<bash-id>bash_1</bash-id>" in message and "late" in message
    assert asyncio.run(next_notification(session)) is None  # nothing runs, nothing left


def test_report_until_done_sends_each_end_as_a_turn_and_adds_up_the_turns(session: ToolSession) -> None:
    tool = get_tool("Bash")
    assert tool is not None
    tool.run({"command": "sleep 0.3; echo first-done", "run_in_background": True}, session)
    sent: list[str] = []
    seen: list[str] = []

    async def send(message: str) -> TurnResult:
        sent.append(message)
        if len(sent) == 1:  # the agent reacts by starting another command
            tool.run({"command": "echo second-done", "run_in_background": True}, session)
        return TurnResult(text=f"reply {len(sent)}", stop_reason="end_turn", steps=1, prompt_tokens=10)

    first = TurnResult(text="started", stop_reason="end_turn", steps=2, prompt_tokens=5)
    result = asyncio.run(report_until_done(session, send, first, before_next=lambda r: seen.append(r.text)))
    assert len(sent) == 2 and "first-done" in sent[0] and "second-done" in sent[1]
    assert seen == ["started", "reply 1"]
    assert (result.text, result.steps, result.prompt_tokens) == ("reply 2", 4, 25)


def test_report_until_done_stops_at_a_failed_turn(session: ToolSession) -> None:
    finished(session, "echo ended")

    async def send(message: str) -> TurnResult:
        raise AssertionError("no turn after a failed one")

    failed = TurnResult(error="the model server is down", stop_reason="error")
    assert asyncio.run(report_until_done(session, send, failed)) is failed
