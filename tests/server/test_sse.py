"""The SSE framing on both ends: pings while idle, [DONE], `event: error`, and the client parser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from letta_code.client.backend import BackendError
from letta_code.client.http import _stream_error, sse_events
from letta_code.server.sse import sse_events as server_events
from letta_code.service.errors import NotFoundError


async def chunks(*items: Any, fail: Exception | None = None, pause: float = 0.0) -> AsyncIterator[dict[str, Any]]:
    for item in items:
        await asyncio.sleep(pause)
        yield item
    if fail is not None:
        raise fail


async def frames(source: AsyncIterator[dict[str, Any]], **kwargs: Any) -> list[bytes]:
    return [f async for f in server_events(source, run_id="run-1", **kwargs)]


async def lines_of(payload: bytes) -> AsyncIterator[str]:
    for line in payload.decode().split("\n"):
        yield line


async def parse(payload: bytes) -> list[tuple[str | None, str]]:
    return [event async for event in sse_events(lines_of(payload))]


def test_chunks_then_done_and_pings_while_idle() -> None:
    out = asyncio.run(frames(chunks({"message_type": "assistant_message", "content": "a"}, pause=0.25), ping_interval=0.1))
    assert out[-1] == b"data: [DONE]\n\n"
    decoded = [json.loads(f[len(b"data: ") :]) for f in out[:-1]]
    kinds = [d["message_type"] for d in decoded]
    assert kinds[-1] == "assistant_message" and kinds.count("ping") >= 1
    ping = decoded[0]
    assert ping["run_id"] == "run-1" and ping["id"].startswith("ping-") and ping["date"]


def test_no_pings_when_disabled_and_filtering() -> None:
    source = chunks({"message_type": "reasoning_message"}, {"message_type": "stop_reason"}, pause=0.05)
    out = asyncio.run(
        frames(source, ping_interval=None, keep=lambda c: c["message_type"] != "reasoning_message")
    )
    assert out == [b'data: {"message_type":"stop_reason"}\n\n', b"data: [DONE]\n\n"]


def test_a_failure_mid_stream_is_an_error_event_the_client_raises() -> None:
    out = asyncio.run(frames(chunks({"message_type": "ping"}, fail=NotFoundError("run went away")), ping_interval=None))
    assert out[-1].startswith(b"event: error\ndata: ")
    events = asyncio.run(parse(b"".join(out)))
    assert events[0] == (None, '{"message_type":"ping"}')
    kind, data = events[-1]
    assert kind == "error"
    error = _stream_error(data)
    assert isinstance(error, BackendError) and error.status == 404 and str(error) == "run went away"


def test_client_parser_handles_comments_multiline_and_no_trailing_blank() -> None:
    payload = b": keep-alive\n\nevent: message\ndata: {\"a\":\ndata: 1}\n\ndata: [DONE]"
    assert asyncio.run(parse(payload)) == [("message", '{"a":\n1}'), (None, "[DONE]")]


@pytest.mark.parametrize("body", ["not json", '{"message": "boom"}'])
def test_error_bodies(body: str) -> None:
    error = _stream_error(body)
    assert error.status == 500 and str(error) in ("not json", "boom")
