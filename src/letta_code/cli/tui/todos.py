"""The agent's todo list (what `TodoWrite` keeps) as the TUI shows it, as Claude Code does.

Under the TodoWrite call in the turn view, and on `/todos`: `☒` completed (dim, struck
through), `☐` pending, and the item in progress in bold with its activeForm
("Running tests"). Pure rendering: a list of todo dicts in, a rich `Text` out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text

from letta_code.cli.tui import render
from letta_code.tools.builtin.todo_write import TodoWriteTool

TODO_TOOL = TodoWriteTool.name  # it keeps the list in the ToolSession's state, under TODOS_KEY
DONE_BOX, OPEN_BOX, ACTIVE_BOX = "☒", "☐", "◐"
EMPTY = "The todo list is empty."


def todo_items(raw: object) -> list[dict[str, str]]:
    """The todos of a TodoWrite call's arguments (or the session's list), skipping malformed
    entries: each `{content, status, activeForm}` as strings, activeForm defaulting to content."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return []
    items: list[dict[str, str]] = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            continue
        content = entry.get("content")
        if not isinstance(content, str) or not content.strip():
            continue
        active = entry.get("activeForm")
        active = active.strip() if isinstance(active, str) and active.strip() else content.strip()
        status = entry.get("status")
        items.append(
            {
                "content": content.strip(),
                "status": status if isinstance(status, str) else "pending",
                "activeForm": active,
            }
        )
    return items


def _item_line(item: Mapping[str, str], width: int) -> Text:
    status = item["status"]
    if status == "completed":
        return Text(f"{DONE_BOX} {render.clip(item['content'], width - 2)}", style="dim strike")
    if status == "in_progress":
        return Text(f"{ACTIVE_BOX} {render.clip(item['activeForm'], width - 2)}", style="bold")
    return Text(f"{OPEN_BOX} {render.clip(item['content'], width - 2)}")


def todo_list(raw: object, width: int, *, prefix: str = render.RESULT_PREFIX) -> Text:
    """The list, one item a line: the first after `prefix` (the `⎿` of a tool result), the
    others indented under it; `width` is the terminal's."""
    items = todo_items(raw)
    room = max(width - len(prefix), 12)
    out = Text()
    if not items:
        out.append(prefix, style="dim")
        out.append(EMPTY, style="dim")
        return out
    for n, item in enumerate(items):
        out.append(prefix if n == 0 else " " * len(prefix), style="dim")
        out.append_text(_item_line(item, room))
        if n < len(items) - 1:
            out.append("\n")
    return out
