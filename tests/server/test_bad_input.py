"""Values that would end up stored are checked at the door: 422, not a broken agent."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from tests.conftest import letta_executable
from tests.server.conftest import API_KEY, LiveServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.mark.parametrize(
    "body",
    [
        {"model": "openai/gpt-4.1", "llm_config": {"context_window": "abc"}},
        {"model": "openai/gpt-4.1", "llm_config": {"context_window": {"a": 1}}},
        {"llm_config": {"handle": 5}},
        {"model": "openai/gpt-4.1", "context_window_limit": -5},
        {"model": "openai/gpt-4.1", "memory_blocks": [{"label": "x", "value": "y", "limit": -1}]},
    ],
)
def test_bad_agent_values_are_refused(live_server: LiveServer, body: dict[str, object]) -> None:
    before = len(httpx.get(f"{live_server.url}/v1/agents", headers=AUTH).json())
    response = httpx.post(f"{live_server.url}/v1/agents", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert len(httpx.get(f"{live_server.url}/v1/agents", headers=AUTH).json()) == before


def test_bad_updates_and_block_limits_are_refused(live_server: LiveServer) -> None:
    agent = httpx.post(f"{live_server.url}/v1/agents", json={"model": "openai/gpt-4.1"}, headers=AUTH).json()
    patch = httpx.patch(f"{live_server.url}/v1/agents/{agent['id']}", json={"llm_config": {"context_window": "abc"}}, headers=AUTH)
    assert patch.status_code == 422
    assert httpx.post(f"{live_server.url}/v1/blocks", json={"label": "x", "limit": 0}, headers=AUTH).status_code == 422
    good = httpx.post(f"{live_server.url}/v1/blocks", json={"label": "x", "limit": 50}, headers=AUTH).json()
    assert good["limit"] == 50


def test_server_port_out_of_range_is_one_line() -> None:
    proc = subprocess.run([*letta_executable(), "server", "--port", "70000"], capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "out of range" in proc.stderr and "Traceback" not in proc.stderr
