"""The input prompt: multi-line editing, history, completion, and the status toolbar.

Keys: Enter sends; Alt+Enter or Ctrl+J inserts a newline; Shift+Tab cycles the
permission mode; Ctrl-C clears the line (twice on an empty line exits); Ctrl-D on
an empty line exits. `/` completes slash commands (the built-ins and the custom commands
the session found), `@` completes file paths.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output
from prompt_toolkit.styles import Style

EXIT_WINDOW = 2.0  # seconds in which a second Ctrl-C exits
SKIP_DIRS = {
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".tox",
}
MAX_WALK = 5000
_AT = re.compile(r"(?:^|\s)@([^\s@]*)$")

STYLE = Style.from_dict(
    {
        "prompt": "bold",
        "bottom-toolbar": "noreverse",
        "bottom-toolbar.text": "",
        "hint": "bold",
    }
)


class TuiCompleter(Completer):
    """`/` at the start of the input completes commands; `@path` completes files under cwd."""

    def __init__(self, commands: Callable[[], Iterable[tuple[str, str]]], cwd: Path) -> None:
        self.commands = commands
        self.cwd = cwd

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        before = document.text_before_cursor
        if before.startswith("/") and " " not in before and "\n" not in before:
            for name, help_text in self.commands():
                if name.startswith(before[1:]):
                    yield Completion("/" + name, start_position=-len(before), display_meta=help_text)
            return
        match = _AT.search(before)
        if match:
            yield from self._paths(match.group(1))

    def _paths(self, token: str) -> Iterator[Completion]:
        seen: set[str] = set()
        dirpart, prefix = os.path.split(token)
        base = self.cwd / os.path.expanduser(dirpart) if dirpart else self.cwd
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except OSError:
            entries = []
        for entry in entries:
            if not entry.name.startswith(prefix) or entry.name in (".git",):
                continue
            if entry.name.startswith(".") and not prefix.startswith("."):
                continue
            text = os.path.join(dirpart, entry.name) + ("/" if entry.is_dir() else "")
            seen.add(text)
            yield Completion(text, start_position=-len(token), display="@" + text)
        if token and "/" not in token:
            count = 0
            for rel in self._walk():
                if rel in seen or token.lower() not in os.path.basename(rel).lower():
                    continue
                count += 1
                yield Completion(rel, start_position=-len(token), display="@" + rel)
                if count >= 30:
                    return

    def _walk(self) -> Iterator[str]:
        seen = 0
        for root, dirs, files in os.walk(self.cwd):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                seen += 1
                if seen > MAX_WALK:
                    return
                yield os.path.relpath(os.path.join(root, name), self.cwd)


def history_for(path: Path | None) -> History:
    """Persistent history in `path` (created on demand); in memory when it cannot be written."""
    if path is None:
        return InMemoryHistory()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


class InputPrompt:
    """One PromptSession for the whole session (so Up/Down walk the history)."""

    def __init__(
        self,
        *,
        history_path: Path | None,
        completer: Completer,
        toolbar: Callable[[], str],
        cycle_mode: Callable[[], None],
        input: Input | None = None,
        output: Output | None = None,
    ) -> None:
        self.toolbar = toolbar
        self.cycle_mode = cycle_mode
        self.hint: str | None = None
        self._last_ctrl_c = 0.0
        self.session: PromptSession[str] = PromptSession(
            history=history_for(history_path),
            completer=completer,
            complete_while_typing=True,
            multiline=True,
            key_bindings=self._bindings(),
            bottom_toolbar=self._toolbar,
            prompt_continuation=lambda width, line_number, wrap_count: "  ",
            style=STYLE,
            reserve_space_for_menu=6,
            enable_history_search=False,
            input=input,
            output=output,
        )

    def _toolbar(self) -> FormattedText:
        if self.hint and time.monotonic() - self._last_ctrl_c > EXIT_WINDOW:
            self.hint = None
        return FormattedText([("class:bottom-toolbar.text", self.toolbar())])

    def note_ctrl_c(self) -> bool:
        """Record a Ctrl-C on an empty line; True when it is the second one in a row (exit)."""
        now = time.monotonic()
        second = now - self._last_ctrl_c <= EXIT_WINDOW
        self._last_ctrl_c = now
        self.hint = "Press Ctrl-C again to exit"
        return second

    def _bindings(self) -> KeyBindings:
        kb = KeyBindings()

        @kb.add("enter")
        def _submit(event: KeyPressEvent) -> None:
            buf = event.current_buffer
            state = buf.complete_state
            if state is not None and state.current_completion is not None:
                buf.apply_completion(state.current_completion)
                return
            buf.validate_and_handle()

        @kb.add("escape", "enter")
        @kb.add("c-j")
        def _newline(event: KeyPressEvent) -> None:
            event.current_buffer.insert_text("\n")

        @kb.add("s-tab")
        def _mode(event: KeyPressEvent) -> None:
            self.cycle_mode()
            event.app.invalidate()

        @kb.add("c-c")
        def _ctrl_c(event: KeyPressEvent) -> None:
            buf = event.current_buffer
            if buf.text:
                buf.reset()
                return
            if self.note_ctrl_c():
                event.app.exit(exception=EOFError())
            event.app.invalidate()

        @kb.add("c-d")
        def _ctrl_d(event: KeyPressEvent) -> None:
            buf = event.current_buffer
            if not buf.text:
                event.app.exit(exception=EOFError())
            else:
                buf.delete()

        return kb

    async def read(self, default: str = "") -> str:
        """The next input; raises EOFError when the user wants to leave."""
        return await self.session.prompt_async(FormattedText([("class:prompt", "> ")]), default=default)

    def typed(self) -> str:
        """What the user has typed into the running prompt so far."""
        return self.session.default_buffer.text

    def end_reading(self, exception: BaseException) -> bool:
        """Make the running `read` raise `exception` (something else needs the session);
        False when no prompt is running yet (or it is already ending)."""
        app = self.session.app
        if not app.is_running or app.future is None or app.future.done():
            return False
        app.exit(exception=exception)
        return True
