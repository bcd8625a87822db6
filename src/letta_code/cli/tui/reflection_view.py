"""Reflection in the terminal UI: the line a finished pass prints, `/reflect`, and the pass
over what is left when the session ends (`harness/reflection.py` runs them)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from letta_code.harness.reflection import ReflectionOutcome, Reflector


def _style(outcome: ReflectionOutcome) -> str:
    return "red" if outcome.error else ("green" if outcome.changes else "dim")


def announce(console: Console, outcome: ReflectionOutcome) -> None:
    """Print a background pass's outcome above the prompt (or the turn) without breaking it."""
    from prompt_toolkit.application import run_in_terminal

    line = Text(outcome.summary(), style=_style(outcome))
    run_in_terminal(lambda: console.print(line))


async def reflect_and_show(reflector: Reflector, console: Console) -> None:
    """`/reflect`: a pass now over everything since the last one, waited for."""
    console.print(Text("Reflecting on the work since the last pass…", style="dim"))
    outcome = await reflector.reflect_now()
    console.print(Text(outcome.summary(), style=_style(outcome)))


async def reflect_before_exit(reflector: Reflector, console: Console) -> None:
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
        await reflect_and_show(reflector, console)
