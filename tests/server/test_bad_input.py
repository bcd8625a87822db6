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
        {"model": "openai/gpt-4.1", "memory_blocks": [{"label": "", "value": "y"}]},
    ],
)
def test_bad_agent_values_are_refused(live_server: LiveServer, body: dict[str, object]) -> None:
    before = len(httpx.get(f"{live_server.url}/v1/agents", headers=AUTH).json())
    response = httpx.post(f"{live_server.url}/v1/agents", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert len(httpx.get(f"{live_server.url}/v1/agents", headers=AUTH).json()) == before


@pytest.mark.parametrize(
    ("blocks", "detail"),
    [
        (
            [{"label": "x", "value": "too long", "limit": 3}],
            "memory block 'x': the value (8 characters) is over the limit of 3",
        ),
        (
            [{"label": "x", "value": "y" * 20_001}],
            "memory block 'x': the value (20001 characters) is over the limit of 20000",
        ),
        ([{"label": "x"}, {"label": "x"}], "memory block label 'x' is given twice"),
    ],
)
def test_memory_blocks_the_blocks_route_would_refuse_are_refused(
    live_server: LiveServer, blocks: list[dict[str, object]], detail: str
) -> None:
    before = len(httpx.get(f"{live_server.url}/v1/agents", headers=AUTH).json())
    response = httpx.post(
        f"{live_server.url}/v1/agents", json={"model": "openai/gpt-4.1", "memory_blocks": blocks}, headers=AUTH
    )
    assert response.status_code == 400 and response.json() == {"detail": detail}
    assert len(httpx.get(f"{live_server.url}/v1/agents", headers=AUTH).json()) == before


def test_bad_updates_and_block_limits_are_refused(live_server: LiveServer) -> None:
    agent = httpx.post(f"{live_server.url}/v1/agents", json={"model": "openai/gpt-4.1"}, headers=AUTH).json()
    patch = httpx.patch(
        f"{live_server.url}/v1/agents/{agent['id']}", json={"llm_config": {"context_window": "abc"}}, headers=AUTH
    )
    assert patch.status_code == 422
    assert httpx.post(f"{live_server.url}/v1/blocks", json={"label": "x", "limit": 0}, headers=AUTH).status_code == 422
    assert httpx.post(f"{live_server.url}/v1/blocks", json={"label": ""}, headers=AUTH).status_code == 422
    good = httpx.post(f"{live_server.url}/v1/blocks", json={"label": "x", "limit": 50}, headers=AUTH).json()
    assert good["limit"] == 50


def test_server_port_out_of_range_is_one_line() -> None:
    proc = subprocess.run(
        [*letta_executable(), "server", "--port", "70000"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode != 0
    assert "out of range" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("big", [2**63, 2**64 + 1, 10**30])
def test_numbers_past_what_sqlite_holds_are_422_naming_the_field(live_server: LiveServer, big: int) -> None:
    """These were OverflowErrors (500s) in the store; now the request model bounds them."""
    url = live_server.url
    agent = httpx.post(
        f"{url}/v1/agents",
        json={"model": "openai/gpt-4.1", "memory_blocks": [{"label": "human", "value": "h"}]},
        headers=AUTH,
    ).json()
    block = httpx.post(f"{url}/v1/blocks", json={"label": "b"}, headers=AUTH).json()
    run = httpx.post(f"{url}/v1/agents/{agent['id']}/messages/async", json={"input": "hi"}, headers=AUTH).json()
    calls: list[tuple[str, str, dict[str, object] | None, dict[str, int | str] | None, list[object]]] = [
        ("POST", "/v1/blocks", {"label": "x", "limit": big}, None, ["body", "limit"]),
        ("PATCH", f"/v1/blocks/{block['id']}", {"limit": big}, None, ["body", "limit"]),
        (
            "POST",
            "/v1/agents",
            {"model": "openai/gpt-4.1", "context_window_limit": big},
            None,
            ["body", "context_window_limit"],
        ),
        (
            "POST",
            "/v1/agents",
            {"model": "openai/gpt-4.1", "llm_config": {"context_window": big}},
            None,
            ["body", "llm_config", "context_window"],
        ),
        ("PATCH", f"/v1/agents/{agent['id']}", {"context_window_limit": big}, None, ["body", "context_window_limit"]),
        ("PATCH", f"/v1/agents/{agent['id']}/core-memory/blocks/human", {"limit": big}, None, ["body", "limit"]),
        ("GET", f"/v1/agents/{agent['id']}/messages", None, {"limit": big}, ["query", "limit"]),
        (
            "GET",
            "/v1/conversations/default/messages",
            None,
            {"agent_id": agent["id"], "limit": big},
            ["query", "limit"],
        ),
        ("GET", "/v1/agents", None, {"limit": -1}, ["query", "limit"]),
        ("POST", f"/v1/agents/{agent['id']}/messages", {"input": "hi", "max_steps": big}, None, ["body", "max_steps"]),
        ("POST", f"/v1/runs/{run['id']}/stream", {"starting_after": big}, None, ["body", "starting_after"]),
        (
            "POST",
            "/v1/conversations",
            {"context_window_limit": big},
            {"agent_id": agent["id"]},
            ["body", "context_window_limit"],
        ),
    ]
    for method, path, body, params, loc in calls:
        response = httpx.request(method, f"{url}{path}", json=body, params=params, headers=AUTH, timeout=30)
        assert response.status_code == 422, (method, path, response.text)
        assert [e["loc"] for e in response.json()["detail"]] == [loc], (method, path, response.text)
    fetched = httpx.get(f"{url}/v1/blocks/{block['id']}", headers=AUTH).json()
    assert fetched["limit"] == block["limit"]
