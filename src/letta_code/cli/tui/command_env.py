"""What a slash command runs against: the session state, the console and a picker.

Its own module because both sides of a command use it: `commands.py` (the registry
and the commands) and `conversations.py` (the `/resume` picker and the replay, which
`commands.py` calls and the session also runs on its own at start). With the
environment here, neither has to import the other to name it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from rich.console import Console
from rich.text import Text

from letta_code.cli.tui.state import TuiState
from letta_code.client.backend import Backend


class Chooser(Protocol):
    """Pick one of `options`: its index, None for Esc, a negative number for Ctrl-C."""

    def __call__(self, title: str, options: list[str], *, default: int = 0) -> Awaitable[int | None]: ...


class Sender(Protocol):
    """Send `text` as a user turn, every run of it on `model` when given (else the agent's)."""

    def __call__(self, text: str, *, model: str | None = None) -> Awaitable[None]: ...


@dataclass
class CommandEnv:
    state: TuiState
    console: Console
    choose: Chooser
    # Sends a message as a user turn (the session's run_turn): what a custom command expands to.
    send: Sender | None = None

    @property
    def backend(self) -> Backend:
        return self.state.ctx.backend

    async def send_turn(self, text: str) -> None:
        """Send `text` as the user's turn (a command environment without a session loop says so)."""
        if self.send is None:
            self.say("This command needs the interactive session to send its prompt.", "red")
            return
        await self.send(text)

    def say(self, text: str | Text, style: str = "") -> None:
        self.console.print(text if isinstance(text, Text) else Text(text, style=style))
