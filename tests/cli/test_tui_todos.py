"""The todo list in the TUI: as rendered, under a TodoWrite call in the turn view, and on /todos."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.text import Text

from letta_code.cli.tui.todos import todo_list
from letta_code.cli.tui.view import TurnView
from letta_code.harness.executor import PendingCall
from letta_code.tools.base import ToolResult
from letta_code.tools.registry import get_tool
from tests.cli.test_tui_commands import Harness, session  # noqa: F401  (fixture)

TODOS = [
    {"content": "Explore the code", "status": "completed", "activeForm": "Exploring the code"},
    {"content": "Run the tests", "status": "in_progress", "activeForm": "Running the tests"},
    {"content": "Write the fix", "status": "pending"},
]


def plain(text: Text, width: int = 80) -> list[str]:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None).print(text)
    return [line.rstrip() for line in buf.getvalue().splitlines()]


def styles_of(text: Text, part: str) -> set[str]:
    start = text.plain.index(part)
    return {str(s.style) for s in text.spans if s.start <= start < s.end}


def test_each_item_shows_its_box_and_the_one_in_progress_its_active_form() -> None:
    text = todo_list(TODOS, 80)
    assert plain(text) == [
        "  ⎿  ☒ Explore the code",
        "     ◐ Running the tests",
        "     ☐ Write the fix",
    ]
    assert any("strike" in s and "dim" in s for s in styles_of(text, "Explore the code"))
    assert "bold" in styles_of(text, "Running the tests")
    assert not styles_of(text, "Write the fix")


def test_long_items_are_cut_to_the_width_and_bad_entries_are_skipped() -> None:
    items = [{"content": "x" * 200, "status": "pending"}, "junk", {"status": "pending"}, {"content": "  "}]
    lines = plain(todo_list(items, 40), 40)
    assert len(lines) == 1 and lines[0].endswith("…") and len(lines[0]) <= 40
    assert plain(todo_list([], 80)) == ["  ⎿  The todo list is empty."]
    assert plain(todo_list(None, 80)) == ["  ⎿  The todo list is empty."]


def test_the_turn_view_prints_the_list_under_the_todowrite_call(tmp_path: Path) -> None:
    buf = io.StringIO()
    view = TurnView(Console(file=buf, width=80, color_system=None), cwd=tmp_path, live=False)
    call = PendingCall("call-1", "TodoWrite", json.dumps({"todos": TODOS}))
    view.on_tool(call, "start", None, 0.0)
    view.on_tool(call, "end", ToolResult("Todo list updated: 3 items"), 0.1)
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    assert lines == [
        "● TodoWrite(3 todos)",
        "  ⎿  ☒ Explore the code",
        "     ◐ Running the tests",
        "     ☐ Write the fix",
    ]


def test_a_failed_todowrite_shows_its_error_not_a_list(tmp_path: Path) -> None:
    buf = io.StringIO()
    view = TurnView(Console(file=buf, width=80, color_system=None), cwd=tmp_path, live=False)
    call = PendingCall("call-1", "TodoWrite", json.dumps({"todos": [{"content": "", "status": "pending"}]}))
    view.on_tool(call, "start", None, 0.0)
    view.on_tool(call, "end", ToolResult("Error: 'todos[0].content' must not be empty", "error"), 0.1)
    out = buf.getvalue()
    assert "must not be empty" in out and "☐" not in out


def test_todos_command_shows_the_list_the_tool_keeps(session: Callable[..., None]) -> None:  # noqa: F811
    async def body(h: Harness) -> None:
        out = await h.run("/todos")
        assert "No todo list yet" in out
        tool = get_tool("TodoWrite")
        assert tool is not None
        result = tool.run({"todos": TODOS}, h.state.ctx.tool_session)  # as the executor runs it
        assert result.status == "success"
        start = len(h.buf.getvalue())
        await h.run("/todos")
        lines = [line.rstrip() for line in h.buf.getvalue()[start:].splitlines()]
        assert lines == ["  ☒ Explore the code", "  ◐ Running the tests", "  ☐ Write the fix"]

    session(body)
