"""What the interactive `letta` counts and shows in a real terminal (tmux): the exit
summary's tool calls and the context meter of the status line."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from letta_code.cli.args import parse_args
from letta_code.cli.session import open_session
from letta_code.cli.tui.app import Tui
from letta_code.cli.tui.commands import run_command
from letta_code.testing import ModelServer, Reply
from tests.cli.test_tui_terminal import Terminal, start
from tests.conftest import Letta

pytestmark = pytest.mark.slow


def test_exit_counts_denied_tool_calls_too(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    model_server.script(
        [
            Reply(tool_calls=[("Bash", {"command": "touch first.txt"}), ("Bash", {"command": "touch second.txt"})]),
            Reply(text="One ran, one was refused."),
        ]
    )
    term = start(terminals, letta)
    term.say("run both")
    term.wait_for("Bash(touch first.txt)", "Do you want to proceed?")
    term.keys("1")
    term.wait_for("Bash(touch second.txt)", "  ⎿  Yes")
    term.wait_for("3. No")
    term.keys("3")
    term.wait_for("Tell the agent what to do instead")
    term.keys("Enter")
    term.wait_for("One ran, one was refused.")
    term.say("/exit")
    screen = term.wait_for("Session stats", "[letta exited 0]")
    assert re.search(r"Tool calls:\s+2 \(1 denied\)", screen), screen
    assert (letta.cwd / "first.txt").exists() and not (letta.cwd / "second.txt").exists()


CTX = re.compile(r"ctx (~?)(\d+)% \(~?([\d.]+)(k?)/")


def gauge(line: str) -> tuple[bool, int]:
    """(estimated, tokens) of the status line's context gauge."""
    found = CTX.search(line)
    assert found, line
    return bool(found.group(1)), int(float(found.group(3)) * (1000 if found.group(4) else 1))


def test_compact_leaves_the_gauge_at_the_smaller_prompt(
    letta_home: Path, project: Path, model_env: ModelServer
) -> None:
    async def main() -> None:
        env = dict(model_env.env())
        ctx = await open_session(parse_args(["-m", "openai/gpt-4.1"]), env)
        buf = io.StringIO()
        tui = Tui(ctx, env, Console(file=buf, width=100, color_system=None))
        try:
            model_env.script([Reply(text="long answer " * 800), Reply(text="another " * 400), Reply(text="short")])
            for question in ("first question " * 300, "second question", "third question"):
                await tui.run_turn(question)
            measured = tui.state.context_tokens
            model_env.script([Reply(text="SUMMARY: two long answers.")])
            await run_command(tui.commands, "/compact")
            estimated, shown = gauge(tui.toolbar_text())
            assert estimated and tui.state.context_known
            assert 0 < shown < measured / 2, (shown, measured)  # most of the history went into a summary
            model_env.script([Reply(text="ok")])
            await tui.run_turn("go on")
            again = tui.state.context_tokens  # measured by the model server
            assert abs(shown - again) < 0.3 * again, (shown, again)  # the estimate was about right
            assert "The context is now about" in " ".join(buf.getvalue().split())
        finally:
            await ctx.backend.close()

    asyncio.run(main())


def test_the_status_line_shows_the_smaller_context_after_compact(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    model_server.script(
        [
            Reply(text="long answer " * 2000),
            Reply(text="A short one."),
            Reply(text="SUMMARY: a long answer, then a short one."),
            Reply(text="Going on."),
        ]
    )
    term = start(terminals, letta)
    term.say("/stream")  # the long answer arrives whole
    term.wait_for("Token streaming off.")
    term.say("first question " * 50)
    term.wait_for("long answer long answer")
    term.say("second question")
    term.wait_for("A short one.")
    term.wait_ready()
    _, before = gauge(term.visible()[-1])
    term.say("/compact")
    term.wait_for("Compacted: summarized", "The context is now about")
    term.wait_ready()
    estimated, after = gauge(term.visible()[-1])
    assert estimated and 0 < after < before / 2, (after, before)
    term.say("go on")
    term.wait_for("Going on.")
    term.wait_ready()
    estimated, measured = gauge(term.visible()[-1])
    assert not estimated and abs(after - measured) < 0.3 * measured, (after, measured)  # it was about right
