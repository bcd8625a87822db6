"""A scripted model server on 127.0.0.1 speaking the OpenAI and Anthropic wire protocols.

Every test (and benchmark) that needs an LLM talks to this server over real HTTP, so
the provider adapters run for real and nothing needs the internet or an API key::

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

Run on its own (benchmarks): `python -m letta_code.testing --port N --script replies.json
[--loop]` (`main`); it prints `model_server listening on http://127.0.0.1:PORT`.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from typing import Any

from letta_code.testing import wire
from letta_code.testing.handler import ModelHandler, ScriptedServer
from letta_code.testing.script import (
    EXHAUSTED_TEXT,
    RecordedRequest,
    Reply,
    ReplyLike,
    load_script,
    text_of,
)

__all__ = ["EXHAUSTED_TEXT", "ModelServer", "RecordedRequest", "Reply", "ReplyLike", "load_script"]


class _Server(ThreadingHTTPServer):
    # The stdlib's listen backlog is 5: under load, connections past it wait for a TCP
    # SYN retransmit (1 s, then 3 s), which would show up as our latency in benchmarks.
    request_queue_size = 256
    daemon_threads = True
    model_server: ScriptedServer  # the ModelServer its handlers answer for (`ModelHandler.fake`)


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
        self._httpd = _Server((host, port), ModelHandler)
        self._httpd.daemon_threads = True
        self._httpd.model_server = self
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
            return text_of(req.get("system"))
        parts = [text_of(m.get("content")) for m in req.get("messages", []) if m.get("role") in ("system", "developer")]
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
                text = text_of(msg.get("content"))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m letta_code.testing", description=__doc__.split("\n")[0])
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
