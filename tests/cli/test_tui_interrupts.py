"""Cleaning up after an interrupt: pending tool calls answered without another model step,
and told to the model the same way the TUI and `letta -p` discard them."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from rich.console import Console

from letta_code.cli.args import parse_args
from letta_code.cli.session import open_session
from letta_code.cli.tui.app import Tui
from letta_code.cli.tui.interrupts import DISCARDED_REASON, INTERRUPTED_REASON, InterruptibleBackend
from letta_code.client.backend import Backend
from letta_code.harness.executor import PendingCall, StartedCalls
from letta_code.harness.turn import answer_without_running
from letta_code.schemas.chunks import ClientToolSchema, StreamChunk, UserInput
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1"]
HEADLESS_REASON = "the session that asked for it was interrupted"  # cli/headless.py


async def drain(stream: AsyncIterator[StreamChunk]) -> list[StreamChunk]:
    return [chunk async for chunk in stream]


def test_pending_calls_are_answered_without_a_model_step(
    letta_home: Path, project: Path, model_env: ModelServer
) -> None:
    model_env.script([Reply(tool_calls=[("Write", {"file_path": "x.txt", "content": "x"})]), Reply(text="later")])

    async def main() -> None:
        ctx = await open_session(parse_args(MODEL), dict(model_env.env()))
        backend, conv = ctx.backend, ctx.target.conversation.id
        try:
            guarded = InterruptibleBackend(backend)
            user: UserInput = {"role": "user", "content": "write x", "otid": "otid-1"}
            chunks = await drain(guarded.send(conv, [user], client_tools=ctx.client_tools, stream_tokens=False))
            assert any(c.get("stop_reason") == "requires_approval" for c in chunks)
            assert [p["name"] for p in await backend.pending_approvals(conv)] == ["Write"]

            answered = await answer_without_running(backend, conv, INTERRUPTED_REASON, client_tools=ctx.client_tools)
            assert answered == 1
            assert await backend.pending_approvals(conv) == []
            assert len(model_env.requests) == 1  # no model step after the answer

            # After an interrupt the guarded backend never starts a model step either.
            guarded.interrupted = True
            again: UserInput = {"role": "user", "content": "hello", "otid": "otid-2"}
            await drain(guarded.send(conv, [again], client_tools=ctx.client_tools, stream_tokens=False))
            assert len(model_env.requests) == 1
            assert not (project / "x.txt").exists()
        finally:
            await backend.close()

    asyncio.run(main())


def test_nothing_waiting_is_nothing_to_answer(letta_home: Path, project: Path, model_env: ModelServer) -> None:
    async def main() -> None:
        ctx = await open_session(parse_args(MODEL), dict(model_env.env()))
        tui = Tui(ctx, dict(model_env.env()), Console(file=io.StringIO(), width=100, color_system=None))
        try:
            tui.maybe_pending = True
            assert await tui.answer_waiting_calls(DISCARDED_REASON)
            assert tui.maybe_pending is False
            assert model_env.requests == []  # nothing was sent to the model
        finally:
            await ctx.backend.close()

    asyncio.run(main())


async def leave_two_calls(backend: Backend, conv: str, client_tools: Sequence[ClientToolSchema], prefix: str) -> None:
    """A session asks for two commands, starts the first and dies: both are left waiting."""
    user: UserInput = {"role": "user", "content": "deploy", "otid": f"otid-{prefix}"}
    chunks = await drain(backend.send(conv, [user], client_tools=client_tools, stream_tokens=False))
    assert any(c.get("stop_reason") == "requires_approval" for c in chunks)
    StartedCalls(conv).record(PendingCall(f"{prefix}_ran", "Bash", '{"command": "make deploy"}'))


def two_calls(prefix: str) -> Reply:
    return Reply(
        tool_calls=[
            ("Bash", {"command": "make deploy"}, f"{prefix}_ran"),
            ("Bash", {"command": "make clean"}, f"{prefix}_waited"),
        ]
    )


def tool_results(model_server: ModelServer) -> dict[str, str]:
    return {m["tool_call_id"]: str(m["content"]) for m in model_server.last_messages() if m.get("role") == "tool"}


def test_the_tui_and_letta_p_tell_the_model_the_same_of_discarded_calls(
    letta: Letta, model_server: ModelServer
) -> None:
    """The TUI once denied them ("the user denied this tool call") while `letta -p` said
    "not run"; both now say what is known: not run, or may have completed."""

    async def session_leaves_calls(prefix: str) -> None:
        ctx = await open_session(parse_args(MODEL), dict(letta.env))
        try:
            await leave_two_calls(ctx.backend, ctx.target.conversation.id, ctx.client_tools, prefix)
        finally:
            await ctx.backend.close()

    # letta -p discards what an earlier session left waiting.
    model_server.script([two_calls("h"), Reply(text="headless answer")])
    asyncio.run(session_leaves_calls("h"))
    proc = letta.run("-p", "what now?", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "headless answer"
    headless = tool_results(model_server)

    # The TUI's "Discard them" answer (offer_pending) for the same situation.
    async def tui_discards() -> None:
        ctx = await open_session(parse_args(MODEL), dict(letta.env))
        tui = Tui(ctx, dict(letta.env), Console(file=io.StringIO(), width=100, color_system=None))
        conv = ctx.target.conversation.id
        try:
            await leave_two_calls(ctx.backend, conv, ctx.client_tools, "t")
            assert await tui.answer_waiting_calls(DISCARDED_REASON)
            assert await ctx.backend.pending_approvals(conv) == []
            await tui.run_turn("what now?")
        finally:
            await ctx.backend.close()

    model_server.script([two_calls("t"), Reply(text="tui answer")])
    asyncio.run(tui_discards())
    tui = tool_results(model_server)

    for kind in ("ran", "waited"):
        said_headless = headless[f"h_{kind}"].replace(HEADLESS_REASON, "<reason>")
        said_tui = tui[f"t_{kind}"].replace(DISCARDED_REASON, "<reason>")
        assert said_headless == said_tui, kind
    assert tui["t_waited"] == f"Error: not run: {DISCARDED_REASON}"
    assert tui["t_ran"] == (
        f"Error: interrupted while it ran; it may have completed — check before running it again ({DISCARDED_REASON})"
    )
    assert list((letta.home / "started-tool-calls").iterdir()) == []  # answered: no record left behind
