"""Cleaning up after an interrupt: pending tool calls answered without another model step."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from letta_code.cli.app import open_session
from letta_code.cli.args import parse_args
from letta_code.cli.tui.interrupts import (
    INTERRUPTED_REASON,
    InterruptibleBackend,
    answer_without_running,
)
from tests.fakes.model_server import ModelServer, Reply


async def drain(stream: Any) -> list[dict[str, Any]]:
    return [chunk async for chunk in stream]


def test_pending_calls_are_answered_without_a_model_step(
    letta_home: Path, project: Path, model_env: ModelServer
) -> None:
    model_env.script([Reply(tool_calls=[("Write", {"file_path": "x.txt", "content": "x"})]), Reply(text="later")])

    async def main() -> None:
        ctx = await open_session(parse_args(["-m", "openai/gpt-4.1"]), dict(model_env.env()))
        backend, conv = ctx.backend, ctx.target.conversation.id
        try:
            guarded = InterruptibleBackend(backend)
            user = {"role": "user", "content": "write x", "otid": "otid-1"}
            chunks = await drain(guarded.send(conv, [user], client_tools=ctx.client_tools, stream_tokens=False))
            assert any(c.get("stop_reason") == "requires_approval" for c in chunks)
            pending = await backend.pending_approvals(conv)
            assert [p["name"] for p in pending] == ["Write"]

            ok = await answer_without_running(backend, conv, ctx.client_tools, pending, INTERRUPTED_REASON)
            assert ok
            assert await backend.pending_approvals(conv) == []
            assert len(model_env.requests) == 1  # no model step after the answer

            # After an interrupt the guarded backend never starts a model step either.
            guarded.interrupted = True
            again = {"role": "user", "content": "hello", "otid": "otid-2"}
            await drain(guarded.send(conv, [again], client_tools=ctx.client_tools, stream_tokens=False))
            assert len(model_env.requests) == 1
            assert not (project / "x.txt").exists()
        finally:
            await backend.close()

    asyncio.run(main())


def test_answer_fails_cleanly_without_pending_calls(letta_home: Path, project: Path, model_env: ModelServer) -> None:
    async def main() -> None:
        ctx = await open_session(parse_args(["-m", "openai/gpt-4.1"]), dict(model_env.env()))
        try:
            fake = [{"tool_call_id": "call-nope", "name": "Bash", "arguments": "{}"}]
            ok = await answer_without_running(ctx.backend, ctx.target.conversation.id, [], fake, "why")
            assert ok is False
        finally:
            await ctx.backend.close()

    asyncio.run(main())
