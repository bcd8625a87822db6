"""Memory after a turn in the terminal UI: the team memory file, a reflection pass when one
is due, the line a finished pass prints, `/reflect`, and the pass over what is left when the
session ends (`harness/reflection.py` runs the passes, `harness/team_memory.py` the file)."""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.text import Text

from letta_code.cli.session import SessionContext
from letta_code.harness.reflection import ReflectionOutcome, Reflector

# The file syncs that passes finishing in the background started (kept until they end).
_SYNCS: set[asyncio.Task[object]] = set()


async def after_turn(ctx: SessionContext, reflector: Reflector) -> None:
    """After each turn: the agent's memory edits into the team memory file, then a pass (in
    the background) when one is due."""
    await ctx.team_memory.after_turn()
    await reflector.after_turn()


def _style(outcome: ReflectionOutcome) -> str:
    return "red" if outcome.error else ("green" if outcome.changes else "dim")


def announce(console: Console, outcome: ReflectionOutcome, ctx: SessionContext) -> None:
    """Print a background pass's outcome above the prompt (or the turn) without breaking it;
    its edits go to the team memory file."""
    from prompt_toolkit.application import run_in_terminal

    line = Text(outcome.summary(), style=_style(outcome))
    run_in_terminal(lambda: console.print(line))
    if outcome.changes:
        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(ctx.team_memory.after_turn())
        _SYNCS.add(task)
        task.add_done_callback(_SYNCS.discard)


async def reflect_and_show(reflector: Reflector, console: Console, ctx: SessionContext) -> None:
    """`/reflect`: a pass now over everything since the last one, waited for."""
    console.print(Text("Reflecting on the work since the last pass…", style="dim"))
    outcome = await reflector.reflect_now()
    console.print(Text(outcome.summary(), style=_style(outcome)))
    if outcome.changes:
        await ctx.team_memory.after_turn()


async def reflect_before_exit(reflector: Reflector, console: Console, ctx: SessionContext) -> None:
    """At the end of a session: let a running pass finish, then (automatic reflection being
    on) review the user turns no pass has covered yet."""
    if reflector.running:
        console.print(Text("Finishing a memory reflection pass…", style="dim"))
        await reflector.wait()
    if reflector.settings.every <= 0:
        return
    try:
        pending = await reflector.backend.reflection_pending(reflector.agent_id())
    except Exception:  # the session is ending; a failed check must not hide the stats
        return
    if pending:
        await reflect_and_show(reflector, console, ctx)
