"""The HTTP side of the fake model server: routes, strict checks, streaming.

One `ModelHandler` per connection (HTTP/1.1 keep-alive, chunked SSE bodies). It
records each request on its `ModelServer`, takes the next scripted reply and
renders it with `wire`; a reply's `stall` holds its stream (keep-alives, empty
deltas or silence) until the client gives up.

The handler knows its server only as `ScriptedServer`, the part of `ModelServer` it
uses: `model_server.py` builds its HTTP server on this handler, so naming the
`ModelServer` class here would make the two modules import each other.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol, cast

from letta_code.testing import validate, wire
from letta_code.testing.script import RecordedRequest, Reply, ReplyLike


class ScriptedServer(Protocol):
    """What a handler reads and calls on the `ModelServer` it answers for.

    The underscored methods are the server's hooks for its handler (the script queue,
    the record of requests, ids and thinking signatures), not part of its public API.
    """

    models: list[str]
    strict: bool
    requests: list[RecordedRequest]
    protocol_errors: list[str]

    @property
    def port(self) -> int: ...

    def script(self, replies: Iterable[ReplyLike]) -> object: ...

    def _next_reply(self) -> ReplyLike: ...

    def _record(self, req: RecordedRequest) -> None: ...

    def _next_id(self, prefix: str) -> str: ...

    def _signature(self, thinking: str, custom: str | None = None) -> str: ...

    def _signature_ok(self, thinking: str, signature: str) -> bool: ...


class ModelHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms stalls between headers and body
    server_version = "FakeModelServer/1.0"
    timeout = 60

    @property
    def fake(self) -> ScriptedServer:
        return cast(ScriptedServer, self.server.model_server)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    # ------------------------------------------------------------------- helpers
    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    # -------------------------------------------------------------------- routes
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.split("?")[0].rstrip("/")
        self.fake._record(RecordedRequest({}, "GET", path, self._headers()))
        if path.endswith("/models"):
            now = int(time.time())
            data = [
                {
                    "id": m,
                    "object": "model",
                    "created": now,
                    "owned_by": "fake",
                    "type": "model",
                    "display_name": m,
                    "created_at": "2025-01-01T00:00:00Z",
                }
                for m in self.fake.models
            ]
            self._send_json(200, {"object": "list", "data": data, "has_more": False})
        elif path == "/__requests__":
            reqs = [{"method": r.method, "path": r.path, "body": dict(r)} for r in self.fake.requests]
            self._send_json(200, reqs)
        elif path in ("", "/health", "/v1/health"):
            self._send_json(200, {"status": "ok"})
        else:
            self._send_json(404, {"error": {"message": f"no route {path}", "type": "not_found"}})

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.split("?")[0].rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError as exc:
            self._send_json(400, {"error": {"message": f"invalid JSON body: {exc}"}})
            return
        if path == "/__script__":
            self.fake.script([Reply.from_json(r) for r in body])
            self._send_json(200, {"queued": len(body)})
            return
        if not isinstance(body, dict):
            self._send_json(400, {"error": {"message": "the body must be a JSON object"}})
            return
        req = RecordedRequest(body, "POST", path, self._headers())
        self.fake._record(req)
        if path.endswith("/messages/count_tokens"):
            self._send_json(200, {"input_tokens": prompt_tokens(body)})
        elif req.protocol == "openai":
            self._serve(req, openai=True)
        elif req.protocol == "anthropic":
            self._serve(req, openai=False)
        else:
            self._send_json(404, {"error": {"message": f"no route {path}", "type": "not_found"}})

    def _serve(self, req: RecordedRequest, openai: bool) -> None:
        fake = self.fake
        if fake.strict:
            problems = validate.check_openai(req) if openai else validate.check_anthropic(req, fake._signature_ok)
            if problems:
                fake.protocol_errors.extend(problems)
                message = "; ".join(problems)
                err = wire.openai_error_body(400, message) if openai else wire.anthropic_error_body(400, message)
                self._send_json(400, err)
                return
        item = fake._next_reply()
        try:
            reply = item(req) if callable(item) else item
            if isinstance(reply, str):
                reply = Reply(text=reply)
        except Exception as exc:  # a broken test callable: say so loudly
            fake.protocol_errors.append(f"reply callable failed: {exc!r}")
            self._send_json(500, {"error": {"message": f"reply callable failed: {exc!r}"}})
            return
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            body = reply.error_body
            if body is None:
                message = f"scripted error {reply.status}"
                body = (
                    wire.openai_error_body(reply.status, message)
                    if openai
                    else wire.anthropic_error_body(reply.status, message)
                )
            self._send_json(reply.status, body, reply.headers)
            return
        self._answer(req, reply, openai)

    def _answer(self, req: RecordedRequest, reply: Reply, openai: bool) -> None:
        fake = self.fake
        prefix = "call_" if openai else "toolu_"
        calls = [normalize_call(tc, lambda: fake._next_id(prefix)) for tc in reply.tool_calls]
        model = str(req.get("model", "fake-model"))
        prompt = reply.prompt_tokens if reply.prompt_tokens is not None else prompt_tokens(req)
        completion = reply.completion_tokens
        if completion is None:
            size = len(reply.text) + len(reply.reasoning or "") + sum(len(c.name) + len(c.arguments) for c in calls)
            completion = max(1, size // 4)
        stream = bool(req.get("stream"))
        if openai:
            rid = fake._next_id("chatcmpl-")
            finish = reply.finish_reason or ("tool_calls" if calls else "stop")
            usage: dict[str, Any] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            if reply.cached_tokens is not None:
                usage["prompt_tokens_details"] = {"cached_tokens": reply.cached_tokens}
            if not stream:
                self._send_json(
                    200,
                    wire.openai_body(rid, model, reply.text, reply.reasoning, calls, finish, usage),
                    reply.headers,
                )
                return
            include = bool((req.get("stream_options") or {}).get("include_usage"))
            frames = wire.openai_stream(
                rid, model, reply.text, reply.reasoning, calls, finish, usage if include else None
            )
            error_frame = wire.openai_stream_error(reply.stream_error or "")
        else:
            rid = fake._next_id("msg_")
            sig = None
            if reply.reasoning:
                sig = fake._signature(reply.reasoning, reply.reasoning_signature)
            stop = reply.finish_reason or ("tool_use" if calls else "end_turn")
            # Anthropic's input_tokens leaves out the cache reads and writes.
            read, written = reply.cached_tokens or 0, reply.cache_write_tokens or 0
            uncached = max(0, prompt - read - written)
            args = (rid, model, reply.text, reply.reasoning, sig, calls, stop, uncached, completion)
            if not stream:
                self._send_json(200, wire.anthropic_body(*args, cache_read=read, cache_write=written), reply.headers)
                return
            frames = wire.anthropic_stream(*args, cache_read=read, cache_write=written)
            error_frame = wire.anthropic_stream_error(reply.stream_error or "")
        self._stream(frames, reply, error_frame, wire.stall_filler(reply.stall, openai, rid, model))

    def _stream(self, frames: list[bytes], reply: Reply, error_frame: bytes, filler: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.empty_stream:
            frames = []
        cut = reply.stream_error is not None or reply.drop_stream
        if cut:
            frames = frames[: max(2, len(frames) // 2)]
        if reply.stream_error is not None:
            frames.append(error_frame)

        def chunk(data: bytes) -> bytes:
            return f"{len(data):x}\r\n".encode() + data + b"\r\n"

        try:
            if reply.stall is not None:
                head, frames = frames[: reply.stall_after], frames[reply.stall_after :]
                self.wfile.write(b"".join(chunk(f) for f in head))
                self.wfile.flush()
                if not self._stall(reply.stall_for, chunk(filler) if filler else b""):
                    self.close_connection = True
                    return
            if reply.chunk_delay:
                for frame in frames:
                    self.wfile.write(chunk(frame))
                    self.wfile.flush()
                    time.sleep(reply.chunk_delay)
            else:
                self.wfile.write(b"".join(chunk(f) for f in frames))
            if reply.drop_stream:
                self.wfile.flush()
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-stream (interrupt)

    def _stall(self, seconds: float, filler: bytes) -> bool:
        """Send `filler` every 0.05 s for `seconds`; False as soon as the client has gone."""
        end = time.monotonic() + seconds
        thread = threading.current_thread()
        name, thread.name = thread.name, stall_thread_name(self.fake.port)
        try:
            while time.monotonic() < end:
                if filler:
                    self.wfile.write(filler)
                    self.wfile.flush()
                readable, _, _ = select.select([self.connection], [], [], 0.05)
                if readable and not self.connection.recv(1, socket.MSG_PEEK):
                    return False  # the client closed the connection
            return True
        finally:
            thread.name = name

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True


def stall_thread_name(port: int) -> str:
    """The name of a handler thread while it stalls a stream (tests wait for it to end)."""
    return f"model-server-{port}-stall"


def normalize_call(tc: Any, make_id: Callable[[], str]) -> wire.Call:
    if isinstance(tc, dict):
        name, args, cid = tc["name"], tc.get("arguments", {}), tc.get("id")
    else:
        name, args = tc[0], tc[1] if len(tc) > 1 else {}
        cid = tc[2] if len(tc) > 2 else None
    text = args if isinstance(args, str) else json.dumps(args)
    return wire.Call(id=cid or make_id(), name=str(name), arguments=text)


def prompt_tokens(body: dict[str, Any]) -> int:
    size = len(json.dumps(body.get("messages", []))) + len(json.dumps(body.get("system", "")))
    size += len(json.dumps(body.get("tools", [])))
    return max(1, size // 4)
