"""TodoWrite: the agent's task list for the session, kept in `session.state["todos"]`."""

from __future__ import annotations

from typing import Any

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool

STATUSES = ["pending", "in_progress", "completed"]
TODOS_KEY = "todos"


class TodoWriteTool(Tool):
    name = "TodoWrite"
    description = (
        "Replace your task list (use it for multi-step work). Each todo: content, status "
        "(pending|in_progress|completed), activeForm (e.g. 'Running tests'). Keep one "
        "in_progress; mark items completed as soon as they are done."
    )
    parameters = {
        "type": "object",
        "properties": {
            "todos": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "content": {"type": "string"},
                        "status": {"type": "string", "enum": STATUSES},
                        "activeForm": {"type": "string"},
                    },
                    "required": ["content", "status"],
                },
            }
        },
        "required": ["todos"],
    }
    read_only = True

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        todos: list[dict[str, str]] = []
        for i, item in enumerate(args["todos"]):
            content = item["content"].strip()
            if not content:
                raise ToolError(f"'todos[{i}].content' must not be empty")
            active = item.get("activeForm")
            if not isinstance(active, str) or not active.strip():
                active = content
            todos.append({"content": content, "status": item["status"], "activeForm": active})
        session.state[TODOS_KEY] = todos
        counts = {s: sum(1 for t in todos if t["status"] == s) for s in STATUSES}
        summary = (
            f"Todo list updated: {len(todos)} item{'s' if len(todos) != 1 else ''} "
            f"({counts['completed']} completed, {counts['in_progress']} in progress, "
            f"{counts['pending']} pending)."
        )
        if counts["in_progress"] > 1:
            summary += " Note: more than one item is in progress; keep one at a time."
        return ToolResult(summary)
