"""Context windows over the Letta API: set on create and update, discovered, and used by the loop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from letta_code.server.app import create_app
from letta_code.service.agent.compaction import SUMMARY_PROMPT
from letta_code.service.llm import discovery
from letta_code.service.service import AgentService
from letta_code.testing import ModelServer, RecordedRequest, Reply, text_of
from tests.server.conftest import API_KEY, LiveServer, ThreadServer
from tests.service.llm.test_discovery import InfoServer, models

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def is_summary(req: RecordedRequest) -> bool:
    return SUMMARY_PROMPT[:60] in text_of(req["messages"][0]["content"])


def windows(view: dict[str, Any]) -> tuple[int, int]:
    return view["context_window_limit"], view["llm_config"]["context_window"]


def test_window_on_create_and_update(live_server: LiveServer) -> None:
    url = f"{live_server.url}/v1/agents"
    plain = httpx.post(url, json={"model": "openai/gpt-4.1"}, headers=AUTH).json()
    assert windows(plain) == (1_047_576, 1_047_576)  # the table's: a model it knows is not asked about
    limited = httpx.post(url, json={"model": "openai/gpt-4.1", "context_window_limit": 4000}, headers=AUTH).json()
    assert windows(limited) == (4000, 4000)
    via_llm = httpx.post(url, json={"model": "openai/gpt-4.1", "llm_config": {"context_window": 5000}}, headers=AUTH)
    assert windows(via_llm.json()) == (5000, 5000)
    patched = httpx.patch(f"{url}/{plain['id']}", json={"context_window_limit": 6000}, headers=AUTH).json()
    assert windows(patched) == (6000, 6000)
    assert live_server.service.get_agent(plain["id"]).context_window == 6000  # what the loop reads
    again = httpx.patch(f"{url}/{plain['id']}", json={"llm_config": {"context_window": 7000}}, headers=AUTH).json()
    assert windows(again) == (7000, 7000)
    assert windows(httpx.get(f"{url}/{plain['id']}", headers=AUTH).json()) == (7000, 7000)


def _talk(live_server: LiveServer, agent_id: str, turns: int) -> None:
    for turn in range(turns):
        live_server.model.script([Reply(text=f"answer {turn} " + "lorem ipsum dolor sit amet " * 40)])
        body = {"messages": [{"role": "user", "content": f"turn {turn} " + "consider the parser design " * 150}]}
        response = httpx.post(f"{live_server.url}/v1/agents/{agent_id}/messages", json=body, headers=AUTH, timeout=30)
        assert response.status_code == 200, response.text


def test_the_loop_compacts_by_the_agent_window(live_server: LiveServer) -> None:
    url = f"{live_server.url}/v1/agents"
    roomy = httpx.post(url, json={"model": "openai/gpt-4.1"}, headers=AUTH).json()
    _talk(live_server, roomy["id"], 3)
    assert not any(is_summary(r) for r in live_server.model.model_requests)
    tight = httpx.post(url, json={"model": "openai/gpt-4.1", "context_window_limit": 4000}, headers=AUTH).json()
    live_server.model.clear()
    _talk(live_server, tight["id"], 3)
    assert any(is_summary(r) for r in live_server.model.model_requests)


@pytest.fixture
def local_server(tmp_path: Path, model_server: ModelServer) -> Iterator[tuple[str, InfoServer]]:
    """Our server with a llama.cpp-like server configured (LLAMACPP_BASE_URL)."""
    discovery.clear_cache()
    routes = {("GET", "/v1/models"): models({"id": "qwen3-coder"}), ("GET", "/props"): {"n_ctx": 12288}}
    with InfoServer(routes) as info:
        env = {**model_server.env(), "LLAMACPP_BASE_URL": info.base_url}
        thread = ThreadServer(create_app(AgentService(tmp_path / "letta.db", env), API_KEY)).start()
        try:
            yield f"http://127.0.0.1:{thread.port}", info
        finally:
            thread.stop()
            discovery.clear_cache()


def test_models_and_new_agents_get_the_served_window(local_server: tuple[str, InfoServer]) -> None:
    url, info = local_server
    listed = httpx.get(f"{url}/v1/models", headers=AUTH).json()
    entry = next(m for m in listed if m["handle"] == "llamacpp/qwen3-coder")
    assert entry["context_window"] == entry["max_context_window"] == 12288
    assert entry["provider_name"] == "llamacpp"
    assert "openai/gpt-4o" in {m["handle"] for m in listed}  # served by the scripted model server
    agent = httpx.post(f"{url}/v1/agents", json={"model": "llamacpp/qwen3-coder"}, headers=AUTH).json()
    assert windows(agent) == (12288, 12288)
    explicit = {"model": "llamacpp/qwen3-coder", "context_window_limit": 2048}
    assert windows(httpx.post(f"{url}/v1/agents", json=explicit, headers=AUTH).json()) == (2048, 2048)
    count = len(info.requests)
    httpx.get(f"{url}/v1/models", headers=AUTH)
    assert len(info.requests) == count  # asked once per process
