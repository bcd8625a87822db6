"""The replay of a resumed conversation and the picker's first-request preview (pure rendering)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from letta_code.cli.tui import recap
from letta_code.schemas.chunks import (
    ApprovalRequestChunk,
    AssistantChunk,
    MessageView,
    ToolArguments,
    ToolCallChunk,
    ToolCallData,
    UserChunk,
)


def plain(text: Any, width: int = 80) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None).print(text)
    return buf.getvalue()


def user(text: str) -> UserChunk:
    return {"message_type": "user_message", "content": text}


def answer(text: str) -> AssistantChunk:
    return {"message_type": "assistant_message", "content": text}


def call(name: str, args: ToolArguments, call_id: str, server_side: bool = False) -> MessageView:
    tool_call: ToolCallData = {"name": name, "arguments": json.dumps(args), "tool_call_id": call_id}
    if server_side:
        ran: ToolCallChunk = {"message_type": "tool_call_message", "tool_call": tool_call}
        return ran
    asked: ApprovalRequestChunk = {"message_type": "approval_request_message", "tool_call": tool_call}
    return asked


def test_replay_shows_the_last_three_exchanges_with_tools_on_one_line(tmp_path: Path) -> None:
    messages: list[MessageView] = [
        user("first question"),
        answer("first answer"),
        user("second question"),
        answer("second answer"),
        user("fix the bug"),
        {"message_type": "reasoning_message", "reasoning": "private thoughts"},
        call("Read", {"file_path": str(tmp_path / "app.py")}, "c1"),
        call("Read", {"file_path": str(tmp_path / "app.py")}, "c1"),  # one view per call of the batch
        {
            "message_type": "tool_return_message",
            "tool_call_id": "c1",
            "tool_return": "SECRET FILE BODY",
            "status": "success",
        },
        call("Bash", {"command": "pytest -q"}, "c2"),
        call("memory_replace", {"label": "human"}, "s1", server_side=True),
        answer("Let me look."),
        answer("Fixed it.\n\nThe cause was an off-by-one.\nline three\nline four"),
        user("<system-reminder>not the user's words</system-reminder>"),
        user("thanks"),
        answer("You're welcome."),
    ]
    text = plain(recap.replay(messages, 80, tmp_path))
    lines = text.splitlines()
    assert lines[0] == "Where you left off:"
    assert "first question" not in text and "first answer" not in text  # only the last three
    assert "> second question" in lines and "● second answer" in lines
    assert "  ● 3 tool calls: Read(app.py), Bash(pytest -q), memory_replace(human)" in lines
    assert "● Fixed it." in lines and "  The cause was an off-by-one." in lines and "  line three …" in lines
    assert "line four" not in text and "Let me look." not in text  # an exchange's last answer, cut
    assert "private thoughts" not in text and "SECRET FILE BODY" not in text and "system-reminder" not in text
    assert lines[-2:] == ["> thanks", "● You're welcome."]
    assert all(len(line) <= 80 for line in lines)
    assert recap.replay([], 80).plain == ""


def test_replay_of_a_window_that_starts_mid_exchange() -> None:
    messages: list[MessageView] = [call("Bash", {"command": "make"}, "c1"), answer("Built.")]
    text = plain(recap.replay(messages, 80))
    assert "> …" in text and "1 tool call: Bash(make)" in text and "● Built." in text


def test_first_request_is_the_first_thing_the_user_asked() -> None:
    messages: list[MessageView] = [
        {"message_type": "system_message", "content": "summary"},
        user("<system-reminder>x</system-reminder>"),
        {"message_type": "user_message", "content": [{"type": "text", "text": "  add a\n  login page "}]},
        user("later"),
    ]
    assert recap.first_request(messages) == "add a login page"
    assert recap.first_request([answer("hi")]) is None
