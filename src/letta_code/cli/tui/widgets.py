"""Small interactive pieces on prompt_toolkit: a list picker, a one-line question,
and the key watcher that catches Esc / Ctrl-C while a turn runs.

All of them draw inline (no full-screen app), so the scrollback is kept.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.application import Application
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.input import Input, create_input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import HSplit, Layout, Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.styles import Style

INTERRUPT = -1  # what `choose` returns for Ctrl-C
PAGE = 10

STYLE = Style.from_dict({"selected": "bold", "title": "bold", "dim": "#888888"})


async def choose(title: str, options: list[str], *, default: int = 0, footer: str | None = None) -> int | None:
    """Let the user pick one of `options` (arrows + Enter, or its number).

    Returns the index, None for Esc, INTERRUPT for Ctrl-C.
    """
    if not options:
        return None
    state = {"sel": max(0, min(default, len(options) - 1)), "top": 0}

    def lines() -> FormattedText:
        sel = state["sel"]
        if sel < state["top"]:
            state["top"] = sel
        elif sel >= state["top"] + PAGE:
            state["top"] = sel - PAGE + 1
        out: list[tuple[str, str]] = [("class:title", title + "\n")] if title else []
        top = state["top"]
        if top > 0:
            out.append(("class:dim", f"   ↑ {top} more\n"))
        for i in range(top, min(len(options), top + PAGE)):
            mark = "❯" if i == sel else " "
            label = f"{i + 1}. {options[i]}" if len(options) <= 9 else options[i]
            out.append(("class:selected" if i == sel else "", f" {mark} {label}\n"))
        rest = len(options) - top - PAGE
        if rest > 0:
            out.append(("class:dim", f"   ↓ {rest} more\n"))
        out.append(("class:dim", footer or "   ↑/↓ to move · enter to select · esc to cancel"))
        return FormattedText(out)

    kb = KeyBindings()

    @kb.add("up")
    @kb.add("k")
    def _up(event: KeyPressEvent) -> None:
        state["sel"] = (state["sel"] - 1) % len(options)

    @kb.add("down")
    @kb.add("j")
    @kb.add("tab")
    def _down(event: KeyPressEvent) -> None:
        state["sel"] = (state["sel"] + 1) % len(options)

    @kb.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        event.app.exit(result=state["sel"])

    @kb.add("escape", eager=True)
    def _esc(event: KeyPressEvent) -> None:
        event.app.exit(result=None)

    @kb.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        event.app.exit(result=INTERRUPT)

    if len(options) <= 9:
        for n in range(len(options)):

            def pick(event: KeyPressEvent, n: int = n) -> None:
                event.app.exit(result=n)

            kb.add(str(n + 1))(pick)

    app: Application[int | None] = Application(
        layout=Layout(HSplit([Window(FormattedTextControl(lines, focusable=True, show_cursor=False))])),
        key_bindings=kb,
        style=STYLE,
        full_screen=False,
        erase_when_done=True,
        mouse_support=False,
    )
    app.ttimeoutlen = 0.05
    app.timeoutlen = 0.05
    return await app.run_async()


async def ask_text(question: str) -> str | None:
    """One line of free text; None on Esc/Ctrl-C/Ctrl-D."""
    kb = KeyBindings()

    @kb.add("escape", eager=True)
    def _esc(event: KeyPressEvent) -> None:
        event.app.exit(result=None)

    session: PromptSession[str | None] = PromptSession(key_bindings=kb)
    session.app.ttimeoutlen = 0.05  # a lone Esc answers at once
    try:
        return await session.prompt_async(FormattedText([("bold", question)]))
    except (KeyboardInterrupt, EOFError):
        return None


class KeyWatcher:
    """While a turn runs: read the keyboard raw, report Esc and Ctrl-C, keep type-ahead.

    Type-ahead (printable keys, Backspace, Ctrl-U) becomes the next prompt's text; the
    turn view echoes it under its status line as it is typed.
    """

    def __init__(self) -> None:
        self._input: Input | None = None
        self._raw: Any = None
        self._attached: Any = None
        self._flush: asyncio.TimerHandle | None = None
        self.typeahead = ""

    @staticmethod
    def available() -> bool:
        try:
            return sys.stdin.isatty()
        except (ValueError, OSError):
            return False

    def start(self, on_key: Callable[[str], None], on_typeahead: Callable[[], None] | None = None) -> None:
        """Watch the keyboard; `on_typeahead` is called when the type-ahead text changed."""
        if self._input is not None or not self.available():
            return
        inp = create_input()
        self._input = inp
        self._raw = inp.raw_mode()
        self._raw.__enter__()
        loop = asyncio.get_running_loop()

        def handle(keys: list[Any]) -> None:
            before = self.typeahead
            for press in keys:
                if press.key in (Keys.Escape, Keys.ControlC):
                    on_key("escape" if press.key == Keys.Escape else "c-c")
                elif press.key == Keys.ControlH:  # Backspace
                    self.typeahead = self.typeahead[:-1]
                elif press.key == Keys.ControlU:
                    self.typeahead = ""
                elif isinstance(press.key, str) and len(press.key) == 1 and press.data.isprintable():
                    self.typeahead += press.data
            if on_typeahead is not None and self.typeahead != before:
                on_typeahead()

        def ready() -> None:
            handle(inp.read_keys())
            if self._flush is not None:
                self._flush.cancel()
            self._flush = loop.call_later(0.05, lambda: handle(inp.flush_keys()))

        self._attached = inp.attach(ready)
        self._attached.__enter__()

    def stop(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._attached is not None:
            self._attached.__exit__(None, None, None)
            self._attached = None
        if self._raw is not None:
            self._raw.__exit__(None, None, None)
            self._raw = None
        if self._input is not None:
            self._input.close()
            self._input = None

    def take_typeahead(self) -> str:
        text, self.typeahead = self.typeahead, ""
        return text
