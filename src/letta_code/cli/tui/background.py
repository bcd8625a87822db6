"""Background commands that end while the terminal UI waits for input wake the agent.

A shell's waiting thread (`tools/shells.py`) reports its end; `BackgroundWaker` hands that
over to the event loop. While the prompt is idle with nothing typed, it ends the prompt and
`read` returns a `Wake`: the app starts a turn with the `<task-notification>` message
(`harness/background.py`) after a line announcing it. When the user has typed something,
a dim line says the end will be reported with their next message, and `attach` puts the
notification in front of that message. An end that happens during a turn waits for the
prompt; one the model already saw with BashOutput, or a command killed with KillBash,
wakes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from functools import partial

from rich.console import Console
from rich.text import Text

from letta_code.cli.tui.prompt import InputPrompt
from letta_code.harness.background import Ended, ended_unreported, take_ended
from letta_code.harness.subagents import Subagents
from letta_code.tools.base import ToolSession
from letta_code.tools.shells import BackgroundShell, on_background_exit, signal_name

RETRY_SECONDS = 0.05  # the prompt was still starting when an end arrived


@dataclass(frozen=True)
class Wake:
    """What `BackgroundWaker.read` returns instead of the user's text: the message to send."""

    message: str


class WakeUp(Exception):
    """Ends the idle prompt: a background command has ended."""


def exit_label(code: int | None) -> str:
    """`exit 0`, or the signal: the short form for the user's line."""
    if code is not None and code < 0:
        return f"killed by {signal_name(-code)}"
    return f"exit {code}"


class BackgroundWaker:
    def __init__(
        self, console: Console, prompt: InputPrompt, session: ToolSession, subagents: Subagents | None = None
    ) -> None:
        self.console = console
        self.prompt = prompt
        self.session = session
        self.subagents = subagents  # a background Task's answer wakes the agent as a command's end does
        self.deferred_tasks = False  # the user was told a background task's answer waits for their message
        self.deferred: set[str] = set()  # ends the user was told of while typing
        self.reading = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.listen()

    def listen(self) -> None:
        """Start hearing of ends (from the shells' threads), on the running event loop."""
        try:
            self.loop = asyncio.get_running_loop()
        except RuntimeError:  # not inside the loop yet: `read` starts it
            return
        on_background_exit(self.session, self._from_thread)
        if self.subagents is not None:
            self.subagents.on_finished = self._poke  # called on the loop

    def _from_thread(self, shell: BackgroundShell) -> None:
        loop = self.loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: the session is over
                loop.call_soon_threadsafe(self._poke)

    def _fresh(self) -> list[BackgroundShell]:
        """Ended, unreported, and not yet promised to the next message."""
        return [s for s in ended_unreported(self.session) if s.id not in self.deferred]

    def _tasks_done(self) -> bool:
        """A background subagent task has answered, and the user was not told it waits."""
        return self.subagents is not None and self.subagents.has_finished() and not self.deferred_tasks

    def _poke(self) -> None:
        """On the loop: an end arrived (or a retry). Wake the idle prompt, or promise it."""
        fresh = self._fresh() if self.reading else []
        tasks = self.reading and self._tasks_done()
        if not fresh and not tasks:
            return
        if self.prompt.typed().strip():
            self._defer(fresh, above_prompt=True, tasks=tasks)
        elif not self.prompt.end_reading(WakeUp()) and self.loop is not None:
            self.loop.call_later(RETRY_SECONDS, self._poke)

    def _defer(self, shells: list[BackgroundShell], *, above_prompt: bool, tasks: bool = False) -> None:
        lines = [f"background command {shell.id} finished" for shell in shells]
        self.deferred.update(shell.id for shell in shells)
        if tasks:
            lines.append("a background subagent task finished")
            self.deferred_tasks = True
        for said in lines:
            line = Text(f"{said}; it will be reported with your next message")
            line.stylize("dim")
            if above_prompt:
                from prompt_toolkit.application import run_in_terminal

                run_in_terminal(partial(self.console.print, line))
            else:
                self.console.print(line)

    def _wake(self) -> Wake | None:
        ended = self._take()
        for shell in ended.shells:
            self.console.print(
                Text(f"⏺ background command {shell.id} finished ({exit_label(shell.returncode)})", style="bold")
            )
        if ended.tasks:
            self.console.print(Text("⏺ background subagent task finished", style="bold"))
        return Wake(ended.message) if ended.message else None

    def _take(self) -> Ended:
        """Everything that ended, claimed; none of it is promised to the next message any more."""
        ended = take_ended(self.session, self.subagents)
        self.deferred.difference_update(shell.id for shell in ended.shells)
        self.deferred_tasks = False
        return ended

    async def read(self, typeahead: str) -> str | Wake:
        """The user's next input, or a `Wake` when a background command ended while the
        prompt was idle (or during the turn before it, with nothing typed ahead)."""
        if self.loop is None:
            self.listen()
        while True:
            fresh = self._fresh()
            tasks = self._tasks_done()
            if (fresh or tasks) and typeahead.strip():
                self._defer(fresh, above_prompt=False, tasks=tasks)
            elif (fresh or tasks) and (wake := self._wake()) is not None:
                return wake
            self.reading = True
            try:
                return await self.prompt.read(typeahead)
            except WakeUp:
                wake = self._wake()
                if wake is not None:
                    return wake
                typeahead = ""
            finally:
                self.reading = False

    def attach(self, text: str) -> str:
        """The message the user sends, after the notifications of every end not yet reported."""
        message = self._take().message
        return f"{message}\n\n{text}" if message else text
