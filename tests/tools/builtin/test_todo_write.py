"""TodoWrite: stores the list in the session, validates statuses."""

from __future__ import annotations

from letta_code.tools.base import ToolSession
from tests.tools.conftest import call


def test_stores_list_and_confirms(session: ToolSession) -> None:
    todos = [
        {"content": "Write tests", "status": "completed", "activeForm": "Writing tests"},
        {"content": "Fix bug", "status": "in_progress", "activeForm": "Fixing bug"},
        {"content": "Ship", "status": "pending"},
    ]
    r = call("TodoWrite", {"todos": todos}, session)
    assert (r.status, r.output) == (
        "success",
        "Todo list updated: 3 items (1 completed, 1 in progress, 1 pending).",
    )
    assert session.state["todos"] == [
        {"content": "Write tests", "status": "completed", "activeForm": "Writing tests"},
        {"content": "Fix bug", "status": "in_progress", "activeForm": "Fixing bug"},
        {"content": "Ship", "status": "pending", "activeForm": "Ship"},
    ]
    assert call("TodoWrite", {"todos": []}, session).output == (
        "Todo list updated: 0 items (0 completed, 0 in progress, 0 pending)."
    )
    assert session.state["todos"] == []


def test_warns_about_two_in_progress(session: ToolSession) -> None:
    todos = [{"content": c, "status": "in_progress", "activeForm": c} for c in "ab"]
    assert call("TodoWrite", {"todos": todos}, session).output.endswith(
        "Note: more than one item is in progress; keep one at a time."
    )


def test_validation(session: ToolSession) -> None:
    r = call("TodoWrite", {"todos": [{"content": "x", "status": "done"}]}, session)
    assert (r.status, r.output) == (
        "error",
        "Error: 'todos[0].status' must be one of 'pending', 'in_progress', 'completed', got 'done'",
    )
    r = call("TodoWrite", {"todos": [{"status": "pending"}]}, session)
    assert r.output == "Error: missing required argument: 'todos[0].content'"
    r = call("TodoWrite", {"todos": [{"content": " ", "status": "pending"}]}, session)
    assert r.output == "Error: 'todos[0].content' must not be empty"
    assert "todos" not in session.state
