"""The approval prompt: what a tool call wants to do, and the user's yes / always / no.

`Approver` is the executor's `ask_user`. It shows the call (the command, a diff for
edits, the plan for ExitPlanMode), then offers:

  1. Yes
  2. Yes, and don't ask again for <suggested rule>   (only when there is a suggestion)
  3. No, and tell the agent what to do differently   (asks for the reason)
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from letta_code.cli.tui import render
from letta_code.cli.tui.command_env import Chooser
from letta_code.cli.tui.diffs import proposed_diff
from letta_code.cli.tui.widgets import INTERRUPT
from letta_code.harness.executor import PendingCall, UserAnswer
from letta_code.schemas.chunks import ToolArguments

Asker = Callable[[str], Awaitable[str | None]]
ARGS_MAX_LINES = 20


def call_body(name: str, args: ToolArguments, cwd: Path) -> RenderableType:
    """What the call will do, for the approval panel."""
    if name == "Bash":
        body = Text(str(args.get("command", "")), style="bold")
        if args.get("description"):
            body.append(f"\n{args['description']}", style="dim")
        return body
    diff = proposed_diff(name, args, cwd)
    if diff is not None:
        path = render.display_path(str(args.get("file_path")), cwd)
        added, removed = render.diff_stats(diff)
        head = Text(f"{path}  ", style="bold")
        head.append(f"+{added} -{removed}", style="dim")
        return Group(head, render.render_diff(diff, max_lines=40)) if diff else head
    if name == "ExitPlanMode" and isinstance(args.get("plan"), str):
        return Markdown(args["plan"], code_theme=render.CODE_THEME)
    text = json.dumps(args, indent=2, ensure_ascii=False)
    lines = text.splitlines()
    if len(lines) > ARGS_MAX_LINES:
        lines = lines[:ARGS_MAX_LINES] + [f"… {len(lines) - ARGS_MAX_LINES} more lines"]
    return Text("\n".join(lines))


def approval_panel(call: PendingCall, reason: str | None, cwd: Path, width: int) -> Panel:
    args = call.args()
    title = render.tool_line(call.name, args, max(width - 8, 10), cwd)
    parts: list[RenderableType] = [call_body(call.name, args, cwd)]
    if reason:
        parts.append(Text(reason, style="dim italic"))
    return Panel(Group(*parts), title=Text(title, style="bold"), title_align="left", border_style="yellow")


def approval_options(suggestion: str | None) -> list[str]:
    options = ["Yes"]
    if suggestion:
        options.append(f"Yes, and don't ask again for {suggestion} in this project")
    options.append("No, and tell the agent what to do differently")
    return options


class Approver:
    """`ask_user` for the executor; `suspend()` pauses the live view and key watcher around it."""

    def __init__(
        self,
        console: Console,
        cwd: Path,
        *,
        choose: Chooser,
        ask_text: Asker,
        suspend: Callable[[], AbstractContextManager[None]],
        on_interrupt: Callable[[], None],
        on_denied: Callable[[str], None] | None = None,
        on_declined: Callable[[str], None] | None = None,
    ) -> None:
        self.console = console
        self.cwd = cwd
        self.choose = choose
        self.ask_text = ask_text
        self.suspend = suspend
        self.on_interrupt = on_interrupt
        self.on_denied = on_denied or (lambda call_id: None)  # the prompt showed the outcome (No or interrupt)
        self.on_declined = on_declined or (lambda call_id: None)  # the user said No

    async def __call__(self, call: PendingCall, decision: Any) -> UserAnswer:
        suggestion = getattr(decision, "suggestion", None)
        with self.suspend():
            self.console.print(approval_panel(call, getattr(decision, "reason", None), self.cwd, self.console.width))
            options = approval_options(suggestion)
            picked = await self.choose("Do you want to proceed?", options)
            if picked == INTERRUPT:
                self.console.print(render.result_line("Interrupted", "interrupted"))
                self.on_interrupt()
                self.on_denied(call.tool_call_id)
                return UserAnswer("deny", "The user interrupted the turn before this tool call ran.")
            if picked is None or picked == len(options) - 1:
                reason = None
                if picked is not None:
                    reason = await self.ask_text("  Tell the agent what to do instead (enter to skip): ")
                reason = (reason or "").strip()
                shown = f"No: {reason}" if reason else "No"
                self.console.print(render.result_line(shown, "error"))
                self.on_denied(call.tool_call_id)
                self.on_declined(call.tool_call_id)
                text = f"The user declined this tool call. Their instructions: {reason}" if reason else None
                return UserAnswer("deny", text or "The user declined this tool call.")
            if picked == 1 and suggestion:
                self.console.print(render.result_line(f"Yes, and don't ask again for {suggestion}"))
                return UserAnswer("allow_always", rule=suggestion)
            self.console.print(render.result_line("Yes"))
            return UserAnswer("allow")
