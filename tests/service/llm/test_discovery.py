"""Learning a model server's context window and model list over real HTTP on 127.0.0.1.

`InfoServer` is a tiny stdlib server answering the endpoints llama.cpp, Ollama,
LM Studio, vLLM and OpenRouter use to say what they serve; it records every request.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from letta_code.service.llm import discovery, registry
from letta_code.service.service import AgentService


class InfoServer:
    """Answers `routes[(method, path)]` with 200 and that JSON, anything else with 404."""

    def __init__(self, routes: dict[tuple[str, str], Any] | None = None) -> None:
        self.routes: dict[tuple[str, str], Any] = dict(routes or {})
        self.requests: list[tuple[str, str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                server.requests.append((method, self.path, body))
                key = (method, self.path)
                found = key in server.routes
                payload = json.dumps(server.routes[key] if found else {"error": "no route"}).encode()
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                self._answer("GET")

            def do_POST(self) -> None:  # noqa: N802 - stdlib naming
                self._answer("POST")

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def __enter__(self) -> InfoServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def models(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"object": "list", "data": list(entries)}


def dead_url() -> str:
    """A loopback address where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    discovery.clear_cache()
    yield
    discovery.clear_cache()


@pytest.fixture
def info() -> Iterator[InfoServer]:
    with InfoServer() as server:
        yield server


@pytest.mark.parametrize(
    ("props", "size"),
    [
        ({"default_generation_settings": {"n_ctx": 8192, "params": {}}, "total_slots": 1}, 8192),
        ({"n_ctx": 4096}, 4096),
    ],
)
def test_llamacpp_props(info: InfoServer, props: dict[str, Any], size: int) -> None:
    info.routes[("GET", "/props")] = props
    assert discovery.context_window("llamacpp", info.base_url, "qwen3") == size
    assert info.requests == [("GET", "/props", None)]


def test_ollama_show_context_length_and_num_ctx(info: InfoServer) -> None:
    show = {
        "parameters": 'stop "<|im_end|>"',
        "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768, "qwen2.block_count": 28},
    }
    info.routes[("POST", "/api/show")] = show
    assert discovery.context_window("ollama", info.base_url, "qwen2.5-coder:7b") == 32768
    assert info.requests == [("POST", "/api/show", {"model": "qwen2.5-coder:7b"})]

    discovery.clear_cache()
    info.routes[("POST", "/api/show")] = {**show, "parameters": 'num_ctx 8192\nstop "<|im_end|>"'}
    assert discovery.context_window("ollama", info.base_url, "qwen2.5-coder:7b") == 8192  # num_ctx wins


@pytest.mark.parametrize(
    ("entry", "size"),
    [
        ({"id": "x", "state": "loaded", "max_context_length": 131072, "loaded_context_length": 16384}, 16384),
        ({"id": "x", "state": "not-loaded", "max_context_length": 131072}, 131072),
    ],
)
def test_lmstudio_model(info: InfoServer, entry: dict[str, Any], size: int) -> None:
    info.routes[("GET", "/api/v0/models/x")] = entry
    assert discovery.context_window("lmstudio", info.base_url, "x") == size


@pytest.mark.parametrize(
    ("kind", "entry", "size"),
    [
        ("openai", {"id": "Qwen/Qwen3-8B", "object": "model", "max_model_len": 40960}, 40960),  # vLLM
        ("openrouter", {"id": "Qwen/Qwen3-8B", "context_length": 262144}, 262144),
        ("openai", {"id": "Qwen/Qwen3-8B", "context_window": 65536}, 65536),
        ("openai", {"id": "Qwen/Qwen3-8B", "n_ctx": 2048}, 2048),
        ("ollama", {"id": "Qwen/Qwen3-8B", "context_length": 12000}, 12000),  # no /api/show: the list
    ],
)
def test_model_list_entries(info: InfoServer, kind: str, entry: dict[str, Any], size: int) -> None:
    other = {"id": "other-model", "max_model_len": 1}
    info.routes[("GET", "/v1/models")] = models(other, entry)
    assert discovery.context_window(kind, info.base_url, "Qwen/Qwen3-8B") == size


def test_a_server_that_does_not_say_is_unknown(info: InfoServer) -> None:
    # llama-cpp-python's server: a model list without sizes, no /props.
    info.routes[("GET", "/v1/models")] = models({"id": "local", "object": "model", "owned_by": "me"})
    assert discovery.context_window("openai", info.base_url, "local") is None
    assert discovery.context_window("llamacpp", info.base_url, "local") is None
    assert discovery.context_window("openai", info.base_url, "not-served") is None
    info.routes[("GET", "/v1/models")] = {"weird": True}
    discovery.clear_cache()
    assert discovery.context_window("openai", info.base_url, "local") is None
    assert discovery.served_models(info.base_url) == []


def test_unreachable_is_none_quickly() -> None:
    url = dead_url()
    started = time.monotonic()
    for kind in ("llamacpp", "ollama", "lmstudio", "openai"):
        assert discovery.context_window(kind, url, "m") is None
    assert discovery.served_models(url) == []
    assert time.monotonic() - started < 1.5


def test_answers_are_cached(info: InfoServer) -> None:
    info.routes[("GET", "/props")] = {"n_ctx": 4096}
    info.routes[("GET", "/v1/models")] = models({"id": "a"}, {"id": "b"})
    assert discovery.context_window("llamacpp", info.base_url, "a") == 4096
    assert [m.id for m in discovery.served_models(info.base_url)] == ["a", "b"]
    count = len(info.requests)
    assert discovery.context_window("llamacpp", info.base_url, "a") == 4096
    assert discovery.context_window("llamacpp", info.base_url, "b") == 4096  # same /props
    assert [m.id for m in discovery.served_models(info.base_url)] == ["a", "b"]
    assert len(info.requests) == count


def test_failures_are_retried_after_a_while(info: InfoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert discovery.context_window("llamacpp", info.base_url, "a") is None  # 404s
    count = len(info.requests)
    assert discovery.context_window("llamacpp", info.base_url, "a") is None
    assert len(info.requests) == count  # the failure is remembered
    monkeypatch.setattr(discovery, "FAILURE_TTL", 0.0)
    discovery.clear_cache()
    assert discovery.context_window("llamacpp", info.base_url, "a") is None
    info.routes[("GET", "/props")] = {"n_ctx": 2048}  # the server came up
    assert discovery.context_window("llamacpp", info.base_url, "a") == 2048


def test_registry_asks_local_and_custom_servers_only(info: InfoServer) -> None:
    info.routes[("GET", "/props")] = {"n_ctx": 16384}
    info.routes[("GET", "/v1/models")] = models({"id": "Qwen/Qwen3-8B", "max_model_len": 40960}, {"id": "gpt-4.1"})
    local = {"LLAMACPP_BASE_URL": info.url}  # without /v1: a common spelling
    assert registry.window_for("llamacpp/anything", local) == 16384
    custom = {"OPENAI_BASE_URL": info.base_url}
    assert registry.window_for("openai/Qwen/Qwen3-8B", custom) == 40960
    assert registry.discovered_window("openai/Qwen/Qwen3-8B", {"OPENAI_BASE_URL": dead_url()}) is None
    assert (
        registry.window_for("openai/Qwen/Qwen3-8B", {"OPENAI_BASE_URL": dead_url()}) == registry.DEFAULT_CONTEXT_WINDOW
    )
    count = len(info.requests)
    # A model the table knows keeps the table's window behind a proxy; cloud defaults are never asked.
    assert registry.window_for("openai/gpt-4.1", custom) == 1_047_576
    assert registry.discovery_target("openai/gpt-4.1", custom) is None
    assert registry.discovery_target("openai/some-new-model", {"OPENAI_API_KEY": "k"}) is None
    assert registry.discovery_target("openrouter/x/y", {"OPENROUTER_API_KEY": "k"}) is None
    assert registry.discovery_target("anthropic/claude-x", {"ANTHROPIC_BASE_URL": info.url}) is None
    assert len(info.requests) == count
    target = registry.discovery_target(
        "openrouter/x/y", {"OPENROUTER_API_KEY": "k", "OPENROUTER_BASE_URL": info.base_url}
    )
    assert target is not None and (target.kind, target.model, target.api_key) == ("openrouter", "x/y", "k")


def test_new_agents_get_the_discovered_window(tmp_path: Path, info: InfoServer) -> None:
    info.routes[("POST", "/api/show")] = {"model_info": {"general.architecture": "llama", "llama.context_length": 8192}}
    service = AgentService(tmp_path / "letta.db", {"OLLAMA_BASE_URL": info.base_url})
    assert service.create_agent(name="a", model="ollama/llama3.1").context_window == 8192  # not the table's 128k
    assert service.create_agent(name="b", model="ollama/llama3.1", context_window=1000).context_window == 1000
    assert service.context_window_for("ollama/llama3.1") == 8192


def test_list_models_shows_what_the_servers_serve(info: InfoServer) -> None:
    info.routes[("GET", "/v1/models")] = models({"id": "qwen3-coder"}, {"id": "gemma3"})
    info.routes[("GET", "/props")] = {"default_generation_settings": {"n_ctx": 32768}}
    env = {"LLAMACPP_BASE_URL": info.base_url, "OLLAMA_BASE_URL": dead_url(), "ANTHROPIC_API_KEY": "a"}
    started = time.monotonic()
    entries = registry.list_models(env, current="ollama/llama3.1")
    assert time.monotonic() - started < 1.5  # the dead Ollama costs nothing
    handles = [e["handle"] for e in entries]
    assert handles == [
        "anthropic/claude-sonnet-4-5",
        "anthropic/claude-opus-4-1",
        "anthropic/claude-haiku-4-5",
        "llamacpp/qwen3-coder",
        "llamacpp/gemma3",
        "ollama/llama3.1",  # the agent's current model, though its server is down
    ]
    windows = {e["handle"]: e["context_window"] for e in entries}
    assert windows["llamacpp/qwen3-coder"] == windows["llamacpp/gemma3"] == 32768
    assert windows["anthropic/claude-sonnet-4-5"] == 200_000
    assert entries[3]["provider_name"] == "llamacpp" and entries[3]["model_endpoint"] == info.base_url
    count = len(info.requests)
    registry.list_models(env)
    assert len(info.requests) == count  # fetched once per process


def test_listed_models_is_none_when_there_is_no_list(info: InfoServer) -> None:
    assert discovery.listed_models("openai", info.base_url) is None  # 404
    assert discovery.listed_models("openai", dead_url()) is None
    info.routes[("GET", "/v1/models")] = {"data": []}
    discovery.clear_cache()
    assert discovery.listed_models("openai", info.base_url) is None  # an empty list proves nothing
    info.routes[("GET", "/v1/models?limit=1000")] = {"data": [{"id": "claude-x"}], "has_more": False}
    assert discovery.listed_models("anthropic", info.url, "key") == ["claude-x"]
