"""The SSE framing on both ends: pings while idle, [DONE], `event: error`, the client parser,
and slow clients: a bounded buffer each, dropped when they stall, resumable after."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from letta_client import Letta

from letta_code.client.backend import BackendError
from letta_code.client.http import _stream_error, sse_events
from letta_code.server.sse import DONE, FrameBuffer, frame
from letta_code.server.sse import sse_events as server_events
from letta_code.service.errors import NotFoundError
from letta_code.testing import ModelServer, Reply
from tests.server import test_restart
from tests.server.test_process import KEY
from tests.server.test_restart import as_dicts, start_server

servers = test_restart.servers  # the fixture: `letta server` processes, killed at the end


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
    out = asyncio.run(
        frames(chunks({"message_type": "assistant_message", "content": "a"}, pause=0.25), ping_interval=0.1)
    )
    assert out[-1] == b"data: [DONE]\n\n"
    decoded = [json.loads(f[len(b"data: ") :]) for f in out[:-1]]
    kinds = [d["message_type"] for d in decoded]
    assert kinds[-1] == "assistant_message" and kinds.count("ping") >= 1
    ping = decoded[0]
    assert ping["run_id"] == "run-1" and ping["id"].startswith("ping-") and ping["date"]


def test_no_pings_when_disabled_and_filtering() -> None:
    source = chunks({"message_type": "reasoning_message"}, {"message_type": "stop_reason"}, pause=0.05)
    out = asyncio.run(frames(source, ping_interval=None, keep=lambda c: c["message_type"] != "reasoning_message"))
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
    payload = b': keep-alive\n\nevent: message\ndata: {"a":\ndata: 1}\n\ndata: [DONE]'
    assert asyncio.run(parse(payload)) == [("message", '{"a":\n1}'), (None, "[DONE]")]


@pytest.mark.parametrize("body", ["not json", '{"message": "boom"}'])
def test_error_bodies(body: str) -> None:
    error = _stream_error(body)
    assert isinstance(error, BackendError) and error.status == 500 and str(error) in ("not json", "boom")


def delta(seq: int) -> dict[str, Any]:
    return {"message_type": "assistant_message", "id": "message-1", "seq_id": seq, "content": f" word{seq}" * 20}


def test_a_client_that_stops_reading_holds_a_bounded_buffer_then_is_dropped_with_its_resume_point() -> None:
    released: list[bool] = []

    async def many() -> AsyncIterator[dict[str, Any]]:
        try:
            for seq in range(1, 20_001):
                yield delta(seq)
        finally:
            released.append(True)

    async def scenario() -> tuple[FrameBuffer, list[bytes]]:
        buffer = FrameBuffer(limit=16 * 1024)
        events = server_events(many(), run_id="run-1", ping_interval=None, stall_seconds=0.3, buffer=buffer)
        taken = [await anext(events) for _ in range(3)]  # then the client reads nothing
        await asyncio.sleep(0.1)
        assert buffer.size > 8 * 1024 and not buffer.dropped  # full, waiting for the client
        await asyncio.sleep(0.5)
        assert buffer.dropped and buffer.size == 0 and released == [True]  # buffer and follower let go
        return buffer, [*taken, *[f async for f in events]]

    buffer, out = asyncio.run(scenario())
    assert buffer.peak <= 16 * 1024 + len(frame(delta(1)))
    assert [json.loads(f[len(b"data: ") :])["seq_id"] for f in out[:3]] == [1, 2, 3]
    [(kind, data)] = asyncio.run(parse(out[-1]))
    body = json.loads(data)
    assert kind == "error" and body["resumable"] is True and body["starting_after"] == 3
    assert "starting_after=3" in body["detail"]
    error = _stream_error(data)
    assert isinstance(error, ConnectionError)  # our client resumes it


def test_a_resumed_client_dropped_before_its_first_chunk_is_told_where_it_resumed() -> None:
    async def scenario() -> list[bytes]:
        async def late() -> AsyncIterator[dict[str, Any]]:
            await asyncio.sleep(0.2)  # the run's next chunks come after the first ping
            for seq in range(501, 2001):
                yield delta(seq)

        buffer = FrameBuffer(limit=1024)
        events = server_events(
            late(), run_id="run-1", ping_interval=0.1, stall_seconds=0.3, buffer=buffer, starting_after=500
        )
        first = await anext(events)
        assert b'"ping"' in first  # the client is stuck sending this one
        await asyncio.sleep(0.8)
        return [f async for f in events]

    [(kind, data)] = asyncio.run(parse(asyncio.run(scenario())[-1]))
    assert kind == "error" and json.loads(data)["starting_after"] == 500  # not 0: the whole run again


def test_a_slow_client_that_keeps_reading_gets_every_chunk() -> None:
    async def scenario() -> list[bytes]:
        buffer = FrameBuffer(limit=4 * 1024)
        events = server_events(
            chunks(*[delta(seq) for seq in range(1, 301)]),
            run_id="run-1",
            ping_interval=None,
            stall_seconds=0.5,
            buffer=buffer,
        )
        out = []
        async for f in events:
            out.append(f)
            if len(out) % 50 == 0:
                await asyncio.sleep(0.05)
        return out

    out = asyncio.run(scenario())
    assert out[-1] == DONE
    assert [json.loads(f[len(b"data: ") :])["seq_id"] for f in out[:-1]] == list(range(1, 301))


def rss_mb(pid: int) -> float:
    """The resident memory of process `pid` (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def stuck_client(port: int, path: str, body: dict[str, Any]) -> socket.socket:
    """Send a streaming request, then never read (a tiny receive window, so the server's writes back up)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    data = json.dumps(body).encode()
    head = f"POST {path} HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
    sock.sendall(f"{head}Content-Length: {len(data)}\r\n\r\n".encode() + data)
    return sock


def read_all(sock: socket.socket) -> list[tuple[str | None, str]]:
    """Everything the server sends on `sock` until it closes it, as SSE events."""
    sock.settimeout(30)
    received = b""
    while piece := sock.recv(1 << 16):
        received += piece
    _, _, body = received.partition(b"\r\n\r\n")
    return asyncio.run(parse(body))


@pytest.mark.slow
def test_clients_that_never_read_cost_the_server_no_memory_and_can_resume(
    tmp_path: Path, model_server: ModelServer, servers: list[subprocess.Popen[str]]
) -> None:
    text = " ".join(f"w{i}" for i in range(20_000))
    model_server.script([Reply(text=text)])
    proc, url = start_server(tmp_path / "home", model_server, env={"LETTA_SERVER_STALL_SECONDS": "1"})
    servers.append(proc)
    port = int(url.rsplit(":", 1)[1])
    client = Letta(base_url=url, api_key=KEY, max_retries=0)
    agent = client.agents.create(name="flood", model="openai/gpt-4.1")
    request = {"messages": [{"role": "user", "content": "go"}], "stream_tokens": True, "background": True}
    live = stuck_client(port, "/v1/conversations/default/messages", {**request, "agent_id": agent.id})
    deadline = time.monotonic() + 60
    while not (runs := list(client.runs.list(agent_id=agent.id))) or runs[0].status in ("created", "running"):
        assert time.monotonic() < deadline, "the run did not finish while its client read nothing"
        time.sleep(0.2)
    run_id = runs[0].id
    assert (runs[0].status, runs[0].stop_reason) == ("completed", "end_turn")
    [stored] = [m for m in client.agents.messages.list(agent.id) if m.message_type == "assistant_message"]
    assert stored.content == text

    # Clients replaying the whole finished run and reading nothing: each once held all 20,000 chunks.
    before = rss_mb(proc.pid)
    stuck = [stuck_client(port, f"/v1/runs/{run_id}/stream", {"starting_after": 0}) for _ in range(5)]
    time.sleep(3)
    assert rss_mb(proc.pid) - before < 30  # was +140 MB

    everything = [c for c in as_dicts(client.runs.messages.stream(run_id, starting_after=0))]
    assert [c["seq_id"] for c in everything] == list(range(1, len(everything) + 1))
    assert "".join(c["content"] for c in everything if c["message_type"] == "assistant_message") == text

    # The first client, dropped while the run went on, learns where to resume; the rest is all there.
    events = read_all(live)
    kind, data = events[-1]
    body = json.loads(data)
    assert kind == "error" and body["resumable"] is True
    got = [json.loads(d)["seq_id"] for k, d in events[:-1] if k is None and json.loads(d)["message_type"] != "ping"]
    assert got == list(range(1, body["starting_after"] + 1)) and got[-1] < len(everything)
    rest = [c["seq_id"] for c in as_dicts(client.runs.messages.stream(run_id, starting_after=body["starting_after"]))]
    assert got + rest == [c["seq_id"] for c in everything]
    for sock in [live, *stuck]:
        sock.close()
