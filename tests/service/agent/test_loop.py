"""The step loop end to end: tool names repeated in every delta or split in pieces, parallel client calls.

`repeating_server` is a real OpenAI-compatible HTTP server on 127.0.0.1 that streams
its tool calls either the way MiniMax models on NVIDIA NIM do (the whole name and id
again with every argument piece) or the way Gemini does (the name in fragments); the
scripted model server, `letta_code.testing`, sends the name once, as OpenAI does. The run goes through the real adapter, the one
stream folder and the loop to the approval requests a client receives.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from letta_code.schemas.chunks import ClientToolSchema
from letta_code.service.service import AgentService
from tests.conftest import plain_chunks

TOOLS: list[ClientToolSchema] = [
    {"name": name, "description": "run", "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}}
    for name in ("Bash", "Read")
]
CALLS = [("call_bash", "Bash", '{"x": "ls -la"}'), ("call_read", "Read", '{"x": "notes.txt"}')]


def _frame(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "gpt-4.1",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        chunk["choices"], chunk["usage"] = [], usage
    return f"data: {json.dumps(chunk)}\n\n".encode()


def tool_call_stream(style: str) -> bytes:
    """The calls of CALLS, with the name whole in every delta ("repeat") or in two fragments ("fragments")."""
    frames = [_frame({"role": "assistant", "content": ""})]
    for index, (call_id, name, arguments) in enumerate(CALLS):
        names = [name, name, name] if style == "repeat" else [name[:2], name[2:], ""]
        for n, piece in enumerate((arguments[:4], arguments[4:9], arguments[9:])):
            sent_id = call_id if style == "repeat" or n == 0 else None
            function = {"name": names[n], "arguments": piece}
            frames.append(
                _frame({"tool_calls": [{"index": index, "id": sent_id, "type": "function", "function": function}]})
            )
    frames.append(_frame({}, "tool_calls"))
    frames.append(_frame({}, usage={"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59}))
    return b"".join([*frames, b"data: [DONE]\n\n"])


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = tool_call_stream(self.server.style)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(params=["repeat", "fragments"])
def repeating_server(request: pytest.FixtureRequest) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.style = request.param  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("stream_tokens", [False, True])
def test_a_name_repeated_or_split_reaches_the_approval_requests_once(
    tmp_path: Path, repeating_server: str, stream_tokens: bool
) -> None:
    env = {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": repeating_server, "LETTA_LLM_RETRY_BASE_DELAY": "0.01"}
    service = AgentService(tmp_path / "letta.db", env)
    agent_id = service.create_agent(name="a", model="openai/gpt-4.1").id

    async def drain() -> list[dict[str, Any]]:
        run = service.start_run(
            agent_id=agent_id,
            conversation_id=None,
            messages=[{"role": "user", "content": "look"}],
            client_tools=TOOLS,
            stream_tokens=stream_tokens,
        )
        return await plain_chunks(service.follow_run(run.id))

    chunks = asyncio.run(drain())
    approvals = [c for c in chunks if c["message_type"] == "approval_request_message"]
    expected = [{"name": name, "arguments": args, "tool_call_id": call_id} for call_id, name, args in CALLS]
    assert [a["tool_call"] for a in approvals] == expected
    # Each request names its call alone: a client gathering calls by id from `tool_calls` (the
    # official CLI) takes each call's arguments once.
    assert [a["tool_calls"] for a in approvals] == [[call] for call in expected]
    assert len({a["id"] for a in approvals}) == 1 and len({a["otid"] for a in approvals}) == 2
    assert [c["stop_reason"] for c in chunks if c["message_type"] == "stop_reason"] == ["requires_approval"]
    [usage] = [c for c in chunks if c["message_type"] == "usage_statistics"]
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["step_count"]) == (50, 9, 1)
    stored = service.context_messages(service.conversations.default_for(agent_id).id)[-1]
    assert stored.id == approvals[0]["id"]
    assert [(c["id"], c["name"], c["arguments"], c["client"]) for c in stored.tool_calls] == [
        (call_id, name, args, True) for call_id, name, args in CALLS
    ]
