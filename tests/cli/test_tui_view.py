"""The turn view (chunks -> transcript) and the approval prompt, on a string console."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from rich.console import Console
from rich.text import Text

from letta_code.cli.tui.approval import Approver, approval_options, approval_panel
from letta_code.cli.tui.view import TurnView, _tail_lines
from letta_code.cli.tui.widgets import INTERRUPT
from letta_code.harness.executor import PendingCall
from letta_code.schemas.chunks import CompactionEventData, StreamChunk, ToolCallData
from letta_code.tools.base import ToolResult


def make_view(tmp_path: Path, **kwargs: object) -> tuple[TurnView, io.StringIO]:
    buf = io.StringIO()
    console = Console(file=buf, width=80, force_terminal=False, color_system=None)
    return TurnView(console, cwd=tmp_path, live=False, **kwargs), buf  # type: ignore[arg-type]


def test_streamed_deltas_render_once_when_the_message_completes(tmp_path: Path) -> None:
    view, buf = make_view(tmp_path)
    for piece in ["Hello", " **wor", "ld**", "!"]:
        view.on_chunk({"message_type": "assistant_message", "otid": "o1", "content": piece})
    assert buf.getvalue() == ""  # nothing permanent while it streams
    view.on_chunk({"message_type": "stop_reason", "stop_reason": "end_turn"})
    out = buf.getvalue()
    assert out.count("Hello world!") == 1
    assert "**" not in out


def test_a_superseded_partial_message_is_dropped_for_its_redone_step(tmp_path: Path) -> None:
    view, buf = make_view(tmp_path)
    view.on_chunk({"message_type": "assistant_message", "id": "m1", "otid": "o1", "content": "The answer is fo"})
    view.on_chunk(
        {
            "message_type": "event_message",
            "event_type": "message_superseded",
            "event_data": {"message_id": "m1", "replaced_by": "m2", "reason": "the step was redone"},
        }
    )
    view.on_chunk({"message_type": "assistant_message", "id": "m2", "otid": "o2", "content": "The answer is 42."})
    view.on_chunk({"message_type": "stop_reason", "stop_reason": "end_turn"})
    out = buf.getvalue()
    assert "The answer is 42." in out and "fo" not in out.replace("The answer is 42.", "")


def test_content_parts_and_empty_chunks(tmp_path: Path) -> None:
    view, buf = make_view(tmp_path)
    # A server that sends null content (not what the type says) shows nothing for it.
    view.on_chunk(cast("StreamChunk", {"message_type": "assistant_message", "otid": "o", "content": None}))
    view.on_chunk(
        {"message_type": "assistant_message", "otid": "o", "content": [{"type": "text", "text": "From parts"}]}
    )
    view.finish_message()
    out = buf.getvalue()
    assert "From parts" in out and "None" not in out


def test_reasoning_then_answer(tmp_path: Path) -> None:
    view, buf = make_view(tmp_path)
    view.on_chunk({"message_type": "reasoning_message", "otid": "r", "reasoning": "a\nb\nc\nd\ne"})
    view.on_chunk({"message_type": "assistant_message", "otid": "a", "content": "Done."})
    view.finish_message()
    out = buf.getvalue()
    assert out.index("✻ a") < out.index("Done.")
    assert "+2 more lines" in out


def test_full_reasoning(tmp_path: Path) -> None:
    view, buf = make_view(tmp_path, full_reasoning=True)
    view.on_chunk({"message_type": "reasoning_message", "otid": "r", "reasoning": "a\nb\nc\nd\ne"})
    view.finish_message()
    assert "e" in buf.getvalue().split("\n")[4]


def test_local_tool_call_with_diff(tmp_path: Path) -> None:
    view, buf = make_view(tmp_path)
    counted: list[int] = []
    view.on_tool_count = lambda: counted.append(1)
    args = {"file_path": "notes.txt", "content": "alpha\nbeta\n"}
    call = PendingCall("call-1", "Write", json.dumps(args))
    view.on_chunk(
        {
            "message_type": "approval_request_message",
            "tool_call": {"name": "Write", "arguments": call.arguments, "tool_call_id": "call-1"},
        }
    )
    view.on_tool(call, "start", None, 0.0)
    assert view.running_tools() == ["Write"]
    (tmp_path / "notes.txt").write_text("alpha\nbeta\n")
    view.on_tool(call, "end", ToolResult("Created notes.txt (2 lines)."), 0.2)
    view.on_chunk(
        {"message_type": "tool_return_message", "tool_call_id": "call-1", "tool_return": "Created", "status": "success"}
    )
    out = buf.getvalue()
    assert "● Write(notes.txt)" in out
    assert "Created notes.txt (2 lines) 0.2s" in out
    assert "+alpha" in out and "+beta" in out
    assert out.count("Write(notes.txt)") == 1  # the local return is not printed twice
    assert counted == [1] and view.running_tools() == []


def test_bash_result_summary_and_denials(tmp_path: Path) -> None:
    view, buf = make_view(tmp_path)
    call = PendingCall("c1", "Bash", json.dumps({"command": "ls"}))
    view.on_tool(call, "start", None, 0.0)
    view.on_tool(call, "end", ToolResult("a\nb\nc"), 1.5)
    view.on_chunk(
        {
            "message_type": "approval_request_message",
            "tool_call": {"name": "Bash", "arguments": '{"command": "rm -rf x"}', "tool_call_id": "c2"},
        }
    )
    view.on_chunk(
        {
            "message_type": "tool_return_message",
            "tool_call_id": "c2",
            "tool_return": "Denied: the user declined",
            "status": "error",
            "name": "Bash",
        }
    )
    out = buf.getvalue()
    assert "● Bash(ls)" in out and "a (+2 lines) 1.5s" in out
    assert "● Bash(rm -rf x)" in out and "Denied: the user declined" in out


def test_denial_answered_in_the_prompt_is_not_repeated(tmp_path: Path) -> None:
    view, buf = make_view(tmp_path)
    view.on_chunk(
        {
            "message_type": "approval_request_message",
            "tool_call": {"name": "Bash", "arguments": "{}", "tool_call_id": "c2"},
        }
    )
    view.mark_answered("c2")
    view.on_chunk(
        {"message_type": "tool_return_message", "tool_call_id": "c2", "tool_return": "Denied", "status": "error"}
    )
    assert "Denied" not in buf.getvalue()


def test_every_call_is_counted_and_denials_apart(tmp_path: Path) -> None:
    counts = {"calls": 0, "denied": 0}

    def bump(key: str) -> None:
        counts[key] += 1

    view, _ = make_view(tmp_path, on_tool_count=lambda: bump("calls"), on_tool_denied=lambda: bump("denied"))
    calls: list[ToolCallData] = [
        {"name": "Bash", "arguments": json.dumps({"command": c}), "tool_call_id": f"c{i}"}
        for i, c in enumerate(["echo ok", "rm -rf x", "curl evil"])
    ]
    for call in calls:  # one approval request per call, each listing all of them
        view.on_chunk({"message_type": "approval_request_message", "tool_call": call, "tool_calls": calls})
    ran = PendingCall("c0", "Bash", calls[0]["arguments"])
    view.on_tool(ran, "start", None, 0.0)
    view.on_tool(ran, "end", ToolResult("Permission denied: not really, the output says so"), 0.1)
    view.mark_answered("c1")
    view.mark_declined("c1")  # the user said No in the prompt
    view.on_chunk(
        {"message_type": "tool_return_message", "tool_call_id": "c1", "tool_return": "Denied: no", "status": "error"}
    )
    view.on_chunk(
        {
            "message_type": "tool_return_message",
            "tool_call_id": "c2",
            "status": "error",
            "tool_return": "Permission denied: Bash(curl:*) is denied by a rule",
        }
    )  # never ran
    view.on_chunk(
        {
            "message_type": "tool_call_message",
            "tool_call": {"name": "memory_replace", "arguments": "{}", "tool_call_id": "s1"},
        }
    )
    view.on_chunk(
        {
            "message_type": "tool_return_message",
            "tool_call_id": "s1",
            "tool_return": "Permission denied",
            "status": "error",
        }
    )
    assert counts == {"calls": 4, "denied": 2}


def test_server_tools_usage_errors_and_stops(tmp_path: Path) -> None:
    usage: list[dict[str, object]] = []
    view, buf = make_view(tmp_path, on_usage=usage.append)
    view.on_chunk(
        {
            "message_type": "tool_call_message",
            "tool_call": {"name": "memory_replace", "arguments": '{"label": "human"}', "tool_call_id": "s1"},
        }
    )
    view.on_chunk(
        {"message_type": "tool_return_message", "tool_call_id": "s1", "tool_return": "OK", "status": "success"}
    )
    view.on_chunk({"message_type": "usage_statistics", "prompt_tokens": 10, "completion_tokens": 5})
    view.on_chunk({"message_type": "error_message", "error_type": "internal_error", "message": "boom"})
    view.on_chunk({"message_type": "stop_reason", "stop_reason": "max_steps"})
    out = buf.getvalue()
    assert "● memory_replace(human)" in out and "⎿  OK" in out
    assert usage and usage[0]["prompt_tokens"] == 10
    assert "Error: boom" in out and "step limit" in out


def test_interrupt_marks_running_tools(tmp_path: Path) -> None:
    view, buf = make_view(tmp_path)
    view.on_chunk({"message_type": "assistant_message", "otid": "o", "content": "Partial ans"})
    view.on_tool(PendingCall("c1", "Bash", '{"command": "sleep 100"}'), "start", None, 0.0)
    view.cancelling = True
    view.on_chunk({"message_type": "stop_reason", "stop_reason": "cancelled"})
    view.interrupted()
    out = buf.getvalue()
    assert "Partial ans" in out
    assert "● Bash(sleep 100)" in out and "Interrupted" in out
    assert out.count("Interrupted by the user") == 1


def test_live_region_renders_streaming_tail_and_spinner(tmp_path: Path) -> None:
    view, _ = make_view(tmp_path)
    view.on_chunk({"message_type": "assistant_message", "otid": "o", "content": "line\n" * 100 + "last line"})
    view.on_tool(PendingCall("c1", "Bash", '{"command": "make"}'), "start", None, 0.0)
    buf = io.StringIO()
    Console(file=buf, width=80, height=24, color_system=None).print(view._live_renderable())
    text = buf.getvalue()
    assert "last line" in text and "Bash(make)" in text
    assert len(text.splitlines()) <= 24


def test_live_region_echoes_type_ahead_under_the_status(tmp_path: Path) -> None:
    typed = {"text": ""}
    view, _ = make_view(tmp_path, typeahead=lambda: typed["text"])
    words = " ".join(f"w{i}" for i in range(3000)) + "\n\n" + "tail words"

    def screen() -> list[str]:
        buf = io.StringIO()
        Console(file=buf, width=80, height=24, color_system=None).print(view._live_renderable())
        return buf.getvalue().splitlines()

    view.on_chunk({"message_type": "assistant_message", "otid": "o", "content": words})
    assert not any(line.startswith("> ") for line in screen())
    typed["text"] = "next question"
    lines = screen()
    assert lines[-1] == "> next question" and "esc to interrupt" in lines[-2]
    assert "tail words" in lines[-3] and len(lines) <= 24
    typed["text"] = "a long question " * 10 + "the end"  # one row: its end
    lines = screen()
    assert "esc to interrupt" in lines[-2] and lines[-1].startswith("> …") and lines[-1].endswith("the end")
    assert len(lines[-1]) <= 80


def test_tail_lines_wrap_like_the_whole_text() -> None:
    console = Console(file=io.StringIO(), width=60)
    text = "\n".join(" ".join(f"p{p}w{i}" for i in range(p % 7 * 9)) for p in range(200))
    whole = [line.plain for line in Text(text).wrap(console, 58)]
    for rows in (1, 3, 20):
        tail = [line.plain for line in Text(_tail_lines(text, rows, 58)).wrap(console, 58)]
        assert len(tail) >= rows and tail[-rows:] == whole[-rows:]
        assert len(tail) < len(whole) // 4


# ------------------------------------------------------------------ approvals
@dataclass
class Decision:
    behavior: str = "ask"
    reason: str = "Bash needs approval"
    rule: str | None = None
    suggestion: str | None = "Bash(npm test:*)"


def make_approver(
    tmp_path: Path, picks: list[int | None], texts: list[str | None]
) -> tuple[Approver, io.StringIO, list[str]]:
    buf = io.StringIO()
    console = Console(file=buf, width=80, color_system=None)
    events: list[str] = []

    async def choose(title: str, options: list[str], *, default: int = 0) -> int | None:
        events.append(f"choose:{len(options)}")
        return picks.pop(0)

    async def ask(question: str) -> str | None:
        events.append("ask")
        return texts.pop(0)

    @contextlib.contextmanager
    def suspend() -> Iterator[None]:
        events.append("suspend")
        yield
        events.append("resume")

    approver = Approver(
        console,
        tmp_path,
        choose=choose,
        ask_text=ask,
        suspend=suspend,
        on_interrupt=lambda: events.append("interrupt"),
        on_denied=lambda cid: events.append(f"denied:{cid}"),
        on_declined=lambda cid: events.append(f"declined:{cid}"),
    )
    return approver, buf, events


def test_approval_choices(tmp_path: Path) -> None:
    call = PendingCall("c1", "Bash", json.dumps({"command": "npm test", "description": "run the tests"}))
    approver, buf, events = make_approver(tmp_path, [0, 1, 2, None, INTERRUPT], ["use pytest"])

    async def answers() -> list[object]:
        return [await approver(call, Decision()) for _ in range(5)]

    yes, always, no, esc, interrupted = asyncio.run(answers())
    assert yes.choice == "allow"  # type: ignore[attr-defined]
    assert always.choice == "allow_always" and always.rule == "Bash(npm test:*)"  # type: ignore[attr-defined]
    assert no.choice == "deny" and "use pytest" in no.reason  # type: ignore[attr-defined]
    assert esc.choice == "deny"  # type: ignore[attr-defined]
    assert interrupted.choice == "deny"  # type: ignore[attr-defined]
    assert events.count("ask") == 1 and "interrupt" in events
    assert events.count("denied:c1") == 3 and events.count("declined:c1") == 2  # No and Esc; not the interrupt
    assert events[0] == "suspend" and events.count("resume") == 5
    out = buf.getvalue()
    assert "npm test" in out and "run the tests" in out and "Bash needs approval" in out
    assert "No: use pytest" in out


def test_approval_without_suggestion_has_two_options() -> None:
    assert approval_options(None) == ["Yes", "No, and tell the agent what to do differently"]
    assert "Bash(ls:*)" in approval_options("Bash(ls:*)")[1]


def test_approval_panel_shows_a_diff_for_edits(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n")
    call = PendingCall("c1", "Edit", json.dumps({"file_path": "app.py", "old_string": "'hi'", "new_string": "'bye'"}))
    buf = io.StringIO()
    Console(file=buf, width=80, color_system=None).print(approval_panel(call, "Edit needs approval", tmp_path, 80))
    out = buf.getvalue()
    assert "Edit(app.py)" in out
    assert "-print('hi')" in out and "+print('bye')" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_an_automatic_compaction_is_shown_as_a_note(tmp_path: Path) -> None:
    seen: list[dict[str, object]] = []
    view, buf = make_view(tmp_path, on_compaction=seen.append)
    data: CompactionEventData = {
        "trigger": "context_window_exceeded",
        "context_window": 2048,
        "messages_count_before": 7,
        "messages_count_after": 2,
    }
    view.on_chunk({"message_type": "event_message", "event_type": "compaction", "event_data": data})
    assert seen == [data]  # the session's status line picks up the learned window
    assert "did not fit the model's context window (2,048 tokens): compacted it (7 -> 2 messages)" in " ".join(
        buf.getvalue().split()
    )
