"""What a resumed conversation looked like: its last exchanges, and its first request.

Pure functions over Letta message views (`list_messages`): `replay` renders the last
few user/assistant exchanges, dimmed, each tool call batch on one line, so a user who
comes back sees where they left off; `first_request` is the one-line preview the
conversation picker shows; `waiting_calls` lists the tool calls an earlier session left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from rich.text import Text

from letta_code.cli.tui.render import BULLET, clip, message_text, one_line, parse_args, tool_line
from letta_code.schemas.chunks import MessageView, ToolArguments, ToolCallData

REPLAY_EXCHANGES = 3
ANSWER_LINES = 3  # lines of an exchange's last answer shown
TOOL_KINDS: Final = ("approval_request_message", "tool_call_message")


@dataclass
class Exchange:
    """One user message and what followed it; `request` None when it began before the window."""

    request: str | None
    answer: str = ""  # the last assistant message
    tools: list[tuple[str, ToolArguments]] = field(default_factory=list)
    tool_ids: set[str] = field(default_factory=set)


def user_text(message: MessageView) -> str | None:
    """The text of a user's own message; None for other messages and system reminders."""
    if message["message_type"] != "user_message":
        return None
    text = message_text(message).strip()
    return None if not text or text.startswith("<") else text


def exchanges(messages: list[MessageView]) -> list[Exchange]:
    """`messages` (oldest first) cut at each user message."""
    out: list[Exchange] = []
    for msg in messages:
        request = user_text(msg)
        if request is not None:
            out.append(Exchange(request))
            continue
        if msg["message_type"] not in ("assistant_message", *TOOL_KINDS):
            continue
        if not out:
            out.append(Exchange(None))
        current = out[-1]
        if msg["message_type"] == "assistant_message":
            text = message_text(msg).strip()
            current.answer = text or current.answer
            continue
        call = msg.get("tool_call") or {}
        call_id = str(call.get("tool_call_id") or "")
        if call_id and call_id in current.tool_ids:
            continue
        current.tool_ids.add(call_id)
        current.tools.append((str(call.get("name") or "?"), parse_args(call.get("arguments"))))
    return out


def tools_line(tools: list[tuple[str, ToolArguments]], width: int, cwd: Path | None) -> str:
    """`3 tool calls: Bash(ls), Read(app.py), Edit(app.py)`, cut to `width`."""
    head = f"{len(tools)} tool call{'s' if len(tools) != 1 else ''}: "
    calls = ", ".join(tool_line(name, args, max(20, width // 2), cwd) for name, args in tools)
    return clip(head + calls, width)


def replay(messages: list[MessageView], width: int, cwd: Path | None = None, count: int = REPLAY_EXCHANGES) -> Text:
    """The last `count` exchanges of `messages`, dimmed; empty when there were none."""
    shown = exchanges(messages)[-count:]
    out = Text(style="dim")
    if not shown:
        return out
    out.append("Where you left off:\n", style="italic")
    for ex in shown:
        out.append("> ", style="bold")
        out.append(one_line(ex.request, width - 2) + "\n" if ex.request is not None else "…\n")
        if ex.tools:
            out.append(f"  {BULLET} {tools_line(ex.tools, width - 4, cwd)}\n")
        if ex.answer:
            lines = [line for line in ex.answer.splitlines() if line.strip()]
            head = [clip(line, width - 2) for line in lines[:ANSWER_LINES]]
            if len(lines) > ANSWER_LINES:
                head[-1] = clip(head[-1], width - 4) + " …"
            out.append(f"{BULLET} " + "\n  ".join(head) + "\n")
    out.rstrip()
    return out


def first_request(messages: list[MessageView]) -> str | None:
    """The first thing the user asked in `messages` (oldest first), on one line."""
    for msg in messages:
        text = user_text(msg)
        if text is not None:
            return " ".join(text.split())
    return None


def waiting_calls(pending: list[ToolCallData], width: int, cwd: Path) -> Text:
    """The tool calls an earlier session left waiting, one line each (before asking what to do)."""
    out = Text(f"This conversation has {len(pending)} tool call(s) waiting from an earlier session:\n", style="yellow")
    for p in pending:
        line = tool_line(str(p["name"]), parse_args(p.get("arguments")), width - 4, cwd)
        out.append(f"  {BULLET} {line}\n")
    out.rstrip()
    return out
