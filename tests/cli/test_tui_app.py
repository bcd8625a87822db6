"""The interactive session's turns and the conversation lock they share with `letta -p`:
the TUI in this process, `letta -p` as a real process, one home and one project."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess

from rich.console import Console

from letta_code.cli.args import parse_args
from letta_code.cli.session import open_session
from letta_code.cli.tui.app import Tui
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable

MODEL = ["-m", "openai/gpt-4.1"]


def headless(letta: Letta, prompt: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*letta_executable(), "-p", prompt, "--output-format", "json", *MODEL],
        cwd=letta.cwd,
        env=letta.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_headless_turn_while_a_tui_turn_runs_a_tool_moves_to_a_new_conversation(
    letta: Letta, model_server: ModelServer
) -> None:
    # While the TUI's Bash call runs, the service has no active run: only the lock says the
    # conversation is taken (without it, `letta -p` answered the TUI's waiting call itself).
    async def main() -> None:
        ctx = await open_session(parse_args([*MODEL, "--yolo"]), dict(letta.env))
        tui = Tui(ctx, dict(letta.env), Console(file=io.StringIO(), width=100, color_system=None))
        try:
            model_server.script([Reply(tool_calls=[("Bash", {"command": "sleep 5; echo slept"})])])
            turn = asyncio.create_task(tui.run_turn("a slow command"))
            await asyncio.to_thread(model_server.wait_for_requests, 1, 30)
            model_server.script([Reply(text="headless answer"), Reply(text="tui answer")])
            proc = await asyncio.to_thread(headless, letta, "meanwhile")
            out, err = await asyncio.to_thread(proc.communicate, None, 60)
            await turn
            assert proc.returncode == 0, err
            result = json.loads(out)
            assert result["result"] == "headless answer"
            assert result["conversation_id"] != tui.state.conversation.id
            assert f"conversation {tui.state.conversation.id} is busy with another letta" in err
            tool_results = [m for m in model_server.last_messages() if m["role"] == "tool"]
            assert tool_results and "slept" in str(tool_results[-1]["content"])  # the TUI's call ran and was answered
        finally:
            await ctx.backend.close()

    asyncio.run(main())


def test_a_tui_turn_waits_for_a_headless_turn_in_its_conversation(letta: Letta, model_server: ModelServer) -> None:
    async def main() -> None:
        ctx = await open_session(parse_args(MODEL), dict(letta.env))
        buf = io.StringIO()
        tui = Tui(ctx, dict(letta.env), Console(file=buf, width=100, color_system=None))
        try:
            model_server.script(
                [Reply(text="headless answer", stall="keepalive", stall_for=3), Reply(text="tui answer")]
            )
            proc = await asyncio.to_thread(headless, letta, "first")
            await asyncio.to_thread(model_server.wait_for_requests, 1, 30)
            await tui.run_turn("too early")
            assert "This conversation is busy with another letta (pid" in " ".join(buf.getvalue().split())
            assert len(model_server.requests) == 1  # the TUI sent nothing, answered no pending call
            await asyncio.to_thread(proc.communicate, None, 60)
            assert proc.returncode == 0
            await tui.run_turn("now")
            assert "tui answer" in buf.getvalue()
        finally:
            await ctx.backend.close()

    asyncio.run(main())
