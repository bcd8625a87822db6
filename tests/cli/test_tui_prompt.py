"""The input prompt: completion, key bindings (through a pipe input), history file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from letta_code.cli.tui.commands import completions
from letta_code.cli.tui.prompt import InputPrompt, TuiCompleter, history_for


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
