"""Tool calls left waiting by an earlier (crashed or interrupted) session: run them or discard them.

Offered when the TUI starts and before the next message after a turn that may have left
calls open; the user chooses, and either the calls run through the usual permission
prompts or the agent is told they did not run.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.text import Text

from letta_code.cli import conversation_lock
from letta_code.cli.tui import recap
from letta_code.cli.tui.interrupts import DISCARDED_REASON
from letta_code.cli.tui.state import TuiState
from letta_code.cli.tui.view import TurnView
from letta_code.cli.tui.widgets import choose
from letta_code.config import paths
from letta_code.harness.turn import TurnResult, TurnRunner


class PendingHost(Protocol):
    """What of the TUI (`cli/tui/app.py` `Tui`) offering the waiting calls needs."""

    state: TuiState
    console: Console
    cwd: Path
    maybe_pending: bool

    def busy(self, by: str) -> None: ...
    def new_view(self) -> TurnView: ...
    def make_runner(self, view: TurnView) -> TurnRunner: ...
    async def drive(
        self, view: TurnView, runner: TurnRunner, work: Awaitable[TurnResult | None]
    ) -> TurnResult | None: ...
    async def answer_waiting_calls(self, reason: str) -> bool: ...


async def offer_pending_calls(tui: PendingHost) -> None:
    """Show the calls waiting in the conversation and run or discard them, as the user says."""
    state = tui.state
    try:
        pending = await state.ctx.backend.pending_approvals(state.conversation.id)
    except Exception:
        pending = []
    tui.maybe_pending = False
    if not pending:
        return
    tui.console.print(recap.waiting_calls(pending, tui.console.width, tui.cwd))
    with conversation_lock.held(paths.letta_home(), state.conversation.id) as taken_by:
        if taken_by:  # a `letta -p` in it answers them
            return tui.busy(taken_by)
        picked = await choose(
            "What should happen to them?",
            [
                "Run them now (asking permission as usual)",
                "Discard them (the agent is told they did not run, or may have if they were cut short)",
            ],
        )
        if picked == 0:
            view = tui.new_view()
            runner = tui.make_runner(view)
            await tui.drive(view, runner, runner.resolve_pending())
        elif await tui.answer_waiting_calls(DISCARDED_REASON):
            tui.console.print(Text("Discarded.", style="dim"))
