"""Custom slash commands in the TUI: /help, Tab completion, and `/name args` run as a user
turn, against a real embedded session, the scripted model server and a string console."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from rich.console import Console

from letta_code.cli.args import parse_args
from letta_code.cli.session import open_session
from letta_code.cli.tui.app import Tui
from letta_code.cli.tui.commands import run_command
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1"]


class Session:
    def __init__(self, tui: Tui, buf: io.StringIO, picks: list[int | None]) -> None:
        self.tui, self.buf, self.picks = tui, buf, picks
        self.titles: list[str] = []

    async def run(self, line: str) -> str:
        start = len(self.buf.getvalue())
        await run_command(self.tui.commands, line)
        return " ".join(self.buf.getvalue()[start:].split())  # wrapping-independent

    def complete(self, text: str) -> list[str]:
        completer = self.tui.prompt.session.completer
        assert completer is not None
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


@pytest.fixture
def tui_session(
    letta: Letta, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[Callable[[Session], Awaitable[None]]], None]:
    home = tmp_path / "user-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # no ~/.claude/commands of the machine's user

    def run(body: Callable[[Session], Awaitable[None]]) -> None:
        async def main() -> None:
            ctx = await open_session(parse_args(MODEL), dict(letta.env))
            buf = io.StringIO()
            tui = Tui(ctx, dict(letta.env), Console(file=buf, width=100, color_system=None))
            session = Session(tui, buf, [])

            async def choose(title: str, options: list[str], *, default: int = 0) -> int | None:
                session.titles.append(title)
                return session.picks.pop(0) if session.picks else None

            tui.commands.choose = choose
            try:
                await body(session)
            finally:
                await ctx.backend.close()

        asyncio.run(main())

    return run


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def commands(letta: Letta) -> Path:
    folder = letta.cwd / ".letta" / "commands"
    write(folder / "hello.md", "---\ndescription: Greet someone\nargument-hint: <who>\n---\nSay hello to $ARGUMENTS.")
    write(folder / "git" / "stamp.md", "Stamped: !`touch stamp.txt && echo done`")
    write(folder / "memory.md", "a file that the built-in /memory hides")
    write(folder / "mem.md", "the exact name mem beats the prefix of /memory")
    return folder


def test_help_lists_the_custom_commands_with_hint_description_and_origin(
    tui_session: Callable[..., None], commands: Path
) -> None:
    async def body(s: Session) -> None:
        out = await s.run("/help")
        assert "Custom commands" in out
        assert "/hello <who> Greet someone (.letta/commands/hello.md)" in out
        assert "/git:stamp" in out and "(.letta/commands/git/stamp.md)" in out
        assert "hidden by the built-in /memory" in out

    tui_session(body)


def test_tab_completes_the_custom_commands_after_a_slash(tui_session: Callable[..., None], commands: Path) -> None:
    async def body(s: Session) -> None:
        assert s.complete("/hel") == ["/help", "/hello"]
        assert s.complete("/git:") == ["/git:stamp"]
        assert s.complete("/memory") == ["/memory"]  # the hidden file is not offered twice
        assert "/mem" in s.complete("/mem")
        assert s.complete("/hello wor") == []

    tui_session(body)


def test_a_custom_command_runs_as_a_user_turn(
    tui_session: Callable[..., None], commands: Path, model_server: ModelServer
) -> None:
    async def body(s: Session) -> None:
        model_server.script([Reply(text="Hello there, world!"), Reply(text="mem done")])
        out = await s.run("/hello world")
        assert "Hello there, world!" in out
        assert "Say hello to world." in model_server.last_user_text()
        assert s.tui.state.stats.turns == 1
        await s.run("/mem")  # an exact custom name beats a built-in's prefix
        assert "the exact name mem beats" in model_server.last_user_text()
        assert "chars" in await s.run("/memory")  # the built-in (the blocks) wins over memory.md
        assert len(model_server.requests) == 2

    tui_session(body)


def test_a_command_needing_permission_asks_and_a_no_sends_nothing(
    tui_session: Callable[..., None], commands: Path, model_server: ModelServer, letta: Letta
) -> None:
    async def body(s: Session) -> None:
        model_server.script([Reply(text="stamped")])
        s.picks.append(1)  # No
        out = await s.run("/git:stamp")
        assert s.titles == ["/git:stamp wants to run `touch stamp.txt && echo done` to build its prompt. Allow?"]
        assert "/git:stamp: not sent: you declined" in out
        assert not (letta.cwd / "stamp.txt").exists() and model_server.requests == []
        s.picks.append(0)  # Yes
        out = await s.run("/git:stamp")
        assert (letta.cwd / "stamp.txt").exists()
        assert "Stamped: done" in model_server.last_user_text() and "stamped" in out

    tui_session(body)


def test_a_command_files_model_runs_its_turn_and_a_bad_one_sends_nothing(
    tui_session: Callable[..., None], commands: Path, model_server: ModelServer, letta: Letta
) -> None:
    model_server.models.append("gpt-4.1-mini")
    write(commands / "quick.md", "---\nmodel: openai/gpt-4.1-mini\n---\nAnswer briefly: $ARGUMENTS")
    write(commands / "bad.md", "---\nmodel: openai/gpt-17-turbo\nallowed-tools: Bash(touch:*)\n---\n!`touch ran.txt`")

    async def body(s: Session) -> None:
        model_server.script([Reply(text="quick answer"), Reply(text="hello answer")])
        assert "quick answer" in await s.run("/quick x")
        assert "hello answer" in await s.run("/hello world")
        assert [r["model"] for r in model_server.model_requests] == ["gpt-4.1-mini", "gpt-4.1"]
        agent = await s.tui.state.ctx.backend.find_agent(s.tui.state.agent.id)
        assert agent is not None and agent.model == "openai/gpt-4.1"  # the agent's own model is unchanged
        out = await s.run("/bad")
        assert out.startswith('/bad: unknown model "openai/gpt-17-turbo"') and "does not serve" in out
        assert not (letta.cwd / "ran.txt").exists() and len(model_server.model_requests) == 2

    tui_session(body)
