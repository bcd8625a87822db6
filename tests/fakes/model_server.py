"""A scripted model server on 127.0.0.1 speaking the OpenAI and Anthropic wire protocols.

Every test that needs an LLM talks to this server over real HTTP, so the provider
adapters run for real and no test needs the internet or an API key::

    with ModelServer() as server:
        server.script([Reply(tool_calls=[("Bash", {"command": "echo hi"})]), Reply(text="done")])
        env = server.env()          # OPENAI_*/ANTHROPIC_* pointing here
        ...
        assert server.last_tools() == [...]

Routes: `POST /v1/chat/completions` (OpenAI, streaming or not), `POST /v1/messages`
(Anthropic, streaming or not), `POST /v1/messages/count_tokens`, `GET /v1/models`.
For a server in another process: `POST /__script__` (a JSON list of replies) and
`GET /__requests__`. Replies are served in order; a queued callable gets the
request and returns a `Reply`; when the queue is empty the server answers
`exhausted_text`. In strict mode (default) malformed conversations get the 400
the real APIs would send (see `validate.py`).

Run on its own (benchmarks): `python -m tests.fakes.model_server --port N --script
replies.json [--loop]`; it prints `model_server listening on http://127.0.0.1:PORT`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fakes import validate, wire

EXHAUSTED_TEXT = "(script exhausted)"


@dataclass
class Reply:
    """One scripted model response.

    `tool_calls` items: `(name, args)`, `(name, args, id)` or `{"name", "arguments", "id"}`;
    args is a dict or raw JSON text. `status` != 200 sends an error (`error_body`: dict,
    str, or None for the provider's usual error shape). `stream_error` sends part of the
    stream, then an error event; `drop_stream` sends part, then cuts the connection.
    """

    text: str = ""
    reasoning: str | None = None
    tool_calls: list[Any] = field(default_factory=list)
    status: int = 200
    error_body: Any = None
    delay: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_signature: str | None = None  # default: derived from the reasoning text
    finish_reason: str | None = None  # default: "tool_calls"/"tool_use" or "stop"/"end_turn"
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}
    chunk_delay: float = 0.0  # seconds between stream frames
    stream_error: str | None = None
    drop_stream: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Reply:
        """A reply from its JSON form (a string is a text reply)."""
        if isinstance(data, str):
            return cls(text=data)
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown reply fields: {', '.join(sorted(unknown))}")
        return cls(**data)


ReplyLike = Reply | str | Callable[["RecordedRequest"], "Reply | str"]


class RecordedRequest(dict[str, Any]):
    """A request's parsed JSON body (a dict), plus `.method`, `.path` and `.headers`."""

    def __init__(self, body: dict[str, Any], method: str, path: str, headers: dict[str, str]):
        super().__init__(body)
        self.method = method
        self.path = path
        self.headers = headers  # lower-case names

    @property
    def protocol(self) -> str | None:
        if self.path.rstrip("/").endswith("/chat/completions"):
            return "openai"
        if self.path.rstrip("/").endswith("/messages"):
            return "anthropic"
        return None


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


class ModelServer:
    """The fake server; `start()`/`stop()` or use it as a context manager."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        loop: bool = False,
        strict: bool = True,
        exhausted_text: str = EXHAUSTED_TEXT,
        models: Iterable[str] = ("gpt-4.1", "gpt-4o", "claude-sonnet-4-5"),
    ) -> None:
        self.loop = loop
        self.strict = strict
        self.exhausted_text = exhausted_text
        self.models = list(models)
        self.requests: list[RecordedRequest] = []
        self.protocol_errors: list[str] = []  # strict-mode rejections, for assertions
        self._queue: deque[ReplyLike] = deque()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._signatures: set[str] = set()
        self._counter = 0
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.model_server = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL (with `/v1`)."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """Anthropic-style base URL (the adapter appends `/v1/messages`)."""
        return self.url

    def env(self) -> dict[str, str]:
        """Environment variables that point `letta` (OpenAI and Anthropic) here."""
        return {
            "OPENAI_API_KEY": "test-key",
            "OPENAI_BASE_URL": self.base_url,
            "ANTHROPIC_API_KEY": "test-key",
            "ANTHROPIC_BASE_URL": self.anthropic_base_url,
            "LETTA_LLM_RETRY_BASE_DELAY": "0.01",
        }

    def start(self) -> ModelServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------------- script
    def script(self, replies: Iterable[ReplyLike]) -> ModelServer:
        """Queue replies (served in order, after any already queued)."""
        with self._lock:
            self._queue.extend(replies)
        return self

    def clear(self) -> None:
        """Drop queued replies and recorded requests."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.protocol_errors.clear()

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._queue)

    def _next_reply(self) -> ReplyLike:
        with self._lock:
            if not self._queue:
                return Reply(text=self.exhausted_text)
            item = self._queue.popleft()
            if self.loop:
                self._queue.append(item)
            return item

    def _record(self, req: RecordedRequest) -> None:
        with self._cond:
            self.requests.append(req)
            self._cond.notify_all()

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}{self._counter:06d}"

    def _signature(self, thinking: str, custom: str | None = None) -> str:
        sig = custom or wire.signature_for(thinking)
        with self._lock:
            self._signatures.add(sig)
        return sig

    def _signature_ok(self, thinking: str, signature: str) -> bool:
        with self._lock:
            return signature in self._signatures or signature == wire.signature_for(thinking)

    # ----------------------------------------------------------------- inspection
    @property
    def model_requests(self) -> list[RecordedRequest]:
        """The recorded chat-completions / messages requests (no GETs, no admin calls)."""
        return [r for r in list(self.requests) if r.protocol and r.method == "POST"]

    def last_request(self) -> RecordedRequest:
        reqs = self.model_requests
        if not reqs:
            raise AssertionError("the model server has received no model request")
        return reqs[-1]

    def last_system_prompt(self) -> str:
        """The system prompt of the last model request (either protocol)."""
        req = self.last_request()
        if req.protocol == "anthropic":
            return _text_of(req.get("system"))
        parts = [
            _text_of(m.get("content"))
            for m in req.get("messages", [])
            if m.get("role") in ("system", "developer")
        ]
        return "\n\n".join(parts)

    def last_tools(self) -> list[str]:
        """Tool names offered in the last model request."""
        req = self.last_request()
        names = []
        for tool in req.get("tools") or []:
            fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
            names.append(str(fn.get("name")))
        return names

    def last_messages(self) -> list[dict[str, Any]]:
        """The `messages` of the last model request, as sent."""
        return list(self.last_request().get("messages", []))

    def last_user_text(self) -> str:
        """The text of the last user message of the last model request."""
        for msg in reversed(self.last_messages()):
            if msg.get("role") == "user":
                text = _text_of(msg.get("content"))
                if text:
                    return text
        return ""

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until `count` model requests have arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len([r for r in self.requests if r.protocol]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"got {len(self.requests)} requests, wanted {count}")
                self._cond.wait(left)
        return self.model_requests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms stalls between headers and body
    server_version = "FakeModelServer/1.0"
    timeout = 60

    @property
    def fake(self) -> ModelServer:
        return self.server.model_server  # type: ignore[attr-defined]

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
            reqs = [
                {"method": r.method, "path": r.path, "body": dict(r)} for r in self.fake.requests
            ]
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
            self._send_json(200, {"input_tokens": _prompt_tokens(body)})
        elif req.protocol == "openai":
            self._serve(req, openai=True)
        elif req.protocol == "anthropic":
            self._serve(req, openai=False)
        else:
            self._send_json(404, {"error": {"message": f"no route {path}", "type": "not_found"}})

    def _serve(self, req: RecordedRequest, openai: bool) -> None:
        fake = self.fake
        if fake.strict:
            problems = (
                validate.check_openai(req)
                if openai
                else validate.check_anthropic(req, fake._signature_ok)
            )
            if problems:
                fake.protocol_errors.extend(problems)
                message = "; ".join(problems)
                err = (
                    wire.openai_error_body(400, message)
                    if openai
                    else wire.anthropic_error_body(400, message)
                )
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
        calls = [_normalize_call(tc, lambda: fake._next_id(prefix)) for tc in reply.tool_calls]
        model = str(req.get("model", "fake-model"))
        prompt = reply.prompt_tokens if reply.prompt_tokens is not None else _prompt_tokens(req)
        completion = reply.completion_tokens
        if completion is None:
            size = (
                len(reply.text)
                + len(reply.reasoning or "")
                + sum(len(c.name) + len(c.arguments) for c in calls)
            )
            completion = max(1, size // 4)
        stream = bool(req.get("stream"))
        if openai:
            rid = fake._next_id("chatcmpl-")
            finish = reply.finish_reason or ("tool_calls" if calls else "stop")
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
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
            args = (rid, model, reply.text, reply.reasoning, sig, calls, stop, prompt, completion)
            if not stream:
                self._send_json(200, wire.anthropic_body(*args), reply.headers)
                return
            frames = wire.anthropic_stream(*args)
            error_frame = wire.anthropic_stream_error(reply.stream_error or "")
        self._stream(frames, reply, error_frame)

    def _stream(self, frames: list[bytes], reply: Reply, error_frame: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        cut = reply.stream_error is not None or reply.drop_stream
        if cut:
            frames = frames[: max(2, len(frames) // 2)]
        if reply.stream_error is not None:
            frames.append(error_frame)

        def chunk(data: bytes) -> bytes:
            return f"{len(data):x}\r\n".encode() + data + b"\r\n"

        try:
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

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True


def _normalize_call(tc: Any, make_id: Callable[[], str]) -> wire.Call:
    if isinstance(tc, dict):
        name, args, cid = tc["name"], tc.get("arguments", {}), tc.get("id")
    else:
        name, args = tc[0], tc[1] if len(tc) > 1 else {}
        cid = tc[2] if len(tc) > 2 else None
    text = args if isinstance(args, str) else json.dumps(args)
    return wire.Call(id=cid or make_id(), name=str(name), arguments=text)


def _prompt_tokens(body: dict[str, Any]) -> int:
    size = len(json.dumps(body.get("messages", []))) + len(json.dumps(body.get("system", "")))
    size += len(json.dumps(body.get("tools", [])))
    return max(1, size // 4)


def load_script(path: str | Path) -> list[Reply]:
    """Read a JSON script: a list of replies (objects with Reply's fields, or strings)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: the script must be a JSON list of replies")
    return [Reply.from_json(item) for item in data]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.model_server", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--script", help="JSON file: a list of replies")
    parser.add_argument("--loop", action="store_true", help="repeat the script forever")
    parser.add_argument("--no-strict", action="store_true", help="accept malformed conversations")
    parser.add_argument("--exhausted-text", default=EXHAUSTED_TEXT)
    args = parser.parse_args(argv)
    server = ModelServer(
        args.host,
        args.port,
        loop=args.loop,
        strict=not args.no_strict,
        exhausted_text=args.exhausted_text,
    )
    if args.script:
        server.script(load_script(args.script))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(f"model_server listening on {server.url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
