"""Chunks from a server nobody here wrote: what `checked_chunk` drops, fills in or refuses,
and a turn read through HttpBackend from a real HTTP server that streams them."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from letta_code.client.backend import BackendError
from letta_code.client.http import HttpBackend
from letta_code.client.wire import checked_chunk
from letta_code.harness.executor import PendingCall
from letta_code.harness.turn import TurnResult, absorb_chunk
from letta_code.schemas.chunks import StreamChunk


def test_dropped_filled_in_and_passed() -> None:
    assert checked_chunk('{"content": "no kind"}') is None
    assert checked_chunk("[1, 2]") is None
    assert checked_chunk('{"message_type": 7}') is None
    assert checked_chunk('{"message_type": "ping"}') is None
    assert checked_chunk('{"message_type": "event_message", "event_data": {}}') is None
    event = checked_chunk('{"message_type": "event_message", "event_type": "compaction", "event_data": null}')
    assert event == {"message_type": "event_message", "event_type": "compaction", "event_data": {}}
    unknown = checked_chunk('{"message_type": "hidden_reasoning_message", "state": "redacted"}')
    assert unknown == {"message_type": "hidden_reasoning_message", "state": "redacted"}


def test_tool_calls_are_read_or_refused() -> None:
    only_list = checked_chunk(
        json.dumps(
            {
                "message_type": "approval_request_message",
                "tool_calls": [{"tool_call_id": "c1", "name": "Bash", "arguments": {"command": "ls"}}],
            }
        )
    )
    assert only_list is not None and only_list["message_type"] == "approval_request_message"
    assert only_list["tool_call"] == {"tool_call_id": "c1", "name": "Bash", "arguments": '{"command": "ls"}'}
    for broken in (
        {"message_type": "approval_request_message"},
        {"message_type": "approval_request_message", "tool_call": {"name": "Bash"}},
        {"message_type": "tool_call_message", "tool_call": {"tool_call_id": "c1", "name": None}},
        {
            "message_type": "approval_request_message",
            "tool_call": {"tool_call_id": "c", "name": "x"},
            "tool_calls": [3],
        },
        {"message_type": "stop_reason"},
    ):
        with pytest.raises(BackendError, match="the server sent a"):
            checked_chunk(json.dumps(broken))
    with pytest.raises(BackendError, match="not JSON"):
        checked_chunk("{half")


class ForeignServer:
    """A real HTTP server on 127.0.0.1 whose message stream is the given SSE data lines."""

    def __init__(self, lines: list[str]) -> None:
        body = "".join(f"data: {line}\n\n" for line in lines).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - stdlib naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def foreign() -> Iterator[list[ForeignServer]]:
    servers: list[ForeignServer] = []
    yield servers
    for server in servers:
        server.httpd.shutdown()
        server.httpd.server_close()


def stream_from(foreign: list[ForeignServer], lines: list[str]) -> list[StreamChunk]:
    server = ForeignServer(lines)
    foreign.append(server)
    server.thread.start()

    async def drain() -> list[StreamChunk]:
        backend = HttpBackend(server.url)
        try:
            stream = backend.send("conv-1", [{"role": "user", "content": "hi"}], client_tools=[], stream_tokens=False)
            return [chunk async for chunk in stream]
        finally:
            await backend.close()

    return asyncio.run(drain())


def test_a_turn_through_foreign_chunks(foreign: list[ForeignServer]) -> None:
    lines = [
        '{"message_type": "ping"}',
        '{"id": "m0", "content": "a chunk of no kind"}',
        '{"message_type": "event_message", "event_data": {"message_id": "m1"}}',
        '{"message_type": "assistant_message", "id": "m1", "content": "Looking."}',
        json.dumps(
            {
                "message_type": "approval_request_message",
                "id": "m2",
                "tool_calls": [
                    {"tool_call_id": "c1", "name": "Read", "arguments": '{"file_path": "a"}'},
                    {"tool_call_id": "c2", "name": "Read", "arguments": '{"file_path": "b"}'},
                ],
            }
        ),
        '{"message_type": "stop_reason", "stop_reason": "requires_approval"}',
        "[DONE]",
    ]
    chunks = stream_from(foreign, lines)
    assert [chunk["message_type"] for chunk in chunks] == [
        "assistant_message",
        "approval_request_message",
        "stop_reason",
    ]
    result, calls = TurnResult(), dict[str, PendingCall]()
    for chunk in chunks:
        absorb_chunk(chunk, result, {}, calls)  # the harness reads them without a KeyError
    assert result.text == "Looking." and result.stop_reason == "requires_approval"
    assert [(c.tool_call_id, c.name, c.arguments) for c in calls.values()] == [
        ("c1", "Read", '{"file_path": "a"}'),
        ("c2", "Read", '{"file_path": "b"}'),
    ]


def test_an_unreadable_call_is_one_clear_error(foreign: list[ForeignServer]) -> None:
    lines = ['{"message_type": "approval_request_message", "tool_call": {"arguments": "{}"}}', "[DONE]"]
    with pytest.raises(BackendError, match="without a readable tool call"):
        stream_from(foreign, lines)
