"""What the terminal UI does for hooks: their notices, Notification, and the `/hooks` listing.

The engine is `harness/hooks.py`; here are the TUI's parts of it. A hook's failure or
`systemMessage` is a dim line in the scrollback (`start_hooks`); a Notification hook
runs before each permission prompt (`notifying`, "Letta needs your permission to use
TOOL"); a turn a hook ended says why (`hook_stop_line`); `/hooks` lists each event's
hooks with their matcher, command, timeout and settings file (`hooks_table`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from letta_code.cli.session import SessionContext
from letta_code.cli.session_hooks import session_started
from letta_code.harness.executor import AskUser, PendingCall, UserAnswer
from letta_code.harness.hook_config import EVENTS
from letta_code.permissions import Decision

if TYPE_CHECKING:
    from letta_code.harness.hooks import HookRunner
    from letta_code.harness.turn import TurnResult


async def start_hooks(ctx: SessionContext, console: Console) -> None:
    """The hooks' one-line notices (failures, systemMessage) become dim lines; then SessionStart
    (its context goes with the first prompt)."""
    if ctx.hooks is None:
        return

    def notify(line: str) -> None:
        console.print(Text(f"  {line}", style="dim"), soft_wrap=True)  # the terminal wraps it

    ctx.hooks.notify = notify
    await session_started(ctx)


def notifying(ask_user: AskUser, hooks: HookRunner | None) -> AskUser:
    """`ask_user` that fires the Notification hooks first (the prompt shows when they are done)."""
    if hooks is None:
        return ask_user
    runner = hooks

    async def ask(call: PendingCall, decision: Decision) -> UserAnswer:
        await runner.notification(f"Letta needs your permission to use {call.name}")
        return await ask_user(call, decision)

    return ask


def hook_stop_line(console: Console, result: TurnResult | None) -> None:
    """A turn a hook ended (a blocked prompt, "continue": false): why, in one line."""
    if result is not None and result.hook_stop:
        console.print(Text(result.hook_stop, style="yellow"))


def hooks_table(hooks: HookRunner | None, cwd: Path) -> Text:
    """`/hooks`: every active hook, by event (in the order they fire), with the file it comes from."""
    if hooks is None or not hooks.config:
        return Text('No hooks configured. Add them under "hooks" in a settings file (docs/hooks.md).', style="dim")
    text = Text()
    for event in EVENTS:
        specs = [spec for spec in hooks.config.hooks if spec.event == event]
        if not specs:
            continue
        text.append(f"{event}\n", style="bold")
        for spec in specs:
            text.append(f"  {spec.matcher or '*'}  ", style="cyan")
            text.append(spec.command)
            text.append(f"  timeout {spec.timeout:g}s  from {_shown_path(spec.source, cwd)}\n", style="dim")
    text.rstrip()
    return text


def _shown_path(path: Path, cwd: Path) -> str:
    for base, prefix in ((cwd, ""), (Path.home(), "~/")):
        try:
            return prefix + str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)
