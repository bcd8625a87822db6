"""The input prompt: completion, key bindings (through a pipe input), history file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from letta_code.cli.tui.commands import completions
from letta_code.cli.tui.prompt import InputPrompt, TuiCompleter, history_for
from letta_code.cli.tui.widgets import INTERRUPT, ask_text, choose


def complete(completer: TuiCompleter, text: str) -> list[str]:
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


def test_slash_completion(tmp_path: Path) -> None:
    completer = TuiCompleter(completions, tmp_path)
    assert complete(completer, "/mem") == ["/memory"]
    assert {"/rename", "/resume", "/reasoning"} <= set(complete(completer, "/re"))
    assert complete(completer, "/memory now") == []
    assert complete(completer, "tell me /mem") == []


def test_at_completes_paths_relative_to_cwd(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "mod.py").write_text("")
    (tmp_path / "setup.cfg").write_text("")
    (tmp_path / ".env").write_text("")
    (tmp_path / ".git").mkdir()
    completer = TuiCompleter(completions, tmp_path)
    assert complete(completer, "look at @s") == ["setup.cfg", "src/"]
    assert complete(completer, "@src/") == ["src/pkg/"]
    assert complete(completer, "@src/pkg/m") == ["src/pkg/mod.py"]
    assert ".env" not in complete(completer, "@")
    assert complete(completer, "@.e") == [".env"]
    assert "src/pkg/mod.py" in complete(completer, "@mod")  # found anywhere below cwd
    assert complete(completer, "email@example") == []


def test_history_file_is_created(tmp_path: Path) -> None:
    history = history_for(tmp_path / "home" / "history")
    assert isinstance(history, FileHistory)
    assert (tmp_path / "home" / "history").exists()


def run_prompt(keys: str, history: Path | None = None, modes: list[int] | None = None) -> str | None:
    async def main() -> str | None:
        with create_pipe_input() as pipe:
            prompt = InputPrompt(
                history_path=history,
                completer=TuiCompleter(completions, Path.cwd()),
                toolbar=lambda: "status",
                cycle_mode=lambda: (modes if modes is not None else []).append(1),
                input=pipe,
                output=DummyOutput(),
            )
            pipe.send_text(keys)
            try:
                return await prompt.read()
            except EOFError:
                return None

    return asyncio.run(main())


def test_enter_sends_and_alt_enter_or_ctrl_j_insert_newlines(tmp_path: Path) -> None:
    assert run_prompt("hello\r") == "hello"
    assert run_prompt("one\x1b\rtwo\nthree\r") == "one\ntwo\nthree"


def test_shift_tab_cycles_the_mode() -> None:
    modes: list[int] = []
    assert run_prompt("\x1b[Z\x1b[Zx\r", modes=modes) == "x"
    assert modes == [1, 1]


def test_ctrl_d_on_empty_line_and_ctrl_c_twice_exit() -> None:
    assert run_prompt("\x04") is None
    assert run_prompt("\x03\x03") is None
    assert run_prompt("abc\x03ok\r") == "ok"  # Ctrl-C with text clears the line


def test_history_is_persistent(tmp_path: Path) -> None:
    path = tmp_path / "history"
    assert run_prompt("first entry\r", history=path) == "first entry"
    assert "first entry" in path.read_text()
    assert run_prompt("\x1b[A\r", history=path) == "first entry"  # Up recalls it next session


def run_choose(keys: str, options: list[str], default: int = 0) -> int | None:
    async def main() -> int | None:
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
            pipe.send_text(keys)
            return await choose("Pick one", options, default=default)

    return asyncio.run(main())


def test_choose_by_number_arrows_escape_and_ctrl_c() -> None:
    options = ["alpha", "beta", "gamma"]
    assert run_choose("2", options) == 1
    assert run_choose("\x1b[B\x1b[B\r", options) == 2  # Down, Down, Enter
    assert run_choose("\x1b[A\r", options) == 2  # Up wraps around
    assert run_choose("\r", options, default=1) == 1
    assert run_choose("\x1b", options) is None
    assert run_choose("\x03", options) == INTERRUPT


def test_choose_pages_through_long_lists() -> None:
    options = [f"conversation {i}" for i in range(25)]
    assert run_choose("\x1b[B" * 14 + "\r", options) == 14
    assert run_choose("\r", options, default=20) == 20


def test_ask_text() -> None:
    async def main(keys: str) -> str | None:
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
            pipe.send_text(keys)
            return await ask_text("why? ")

    assert asyncio.run(main("use pytest\r")) == "use pytest"
    assert asyncio.run(main("\x1b")) is None
