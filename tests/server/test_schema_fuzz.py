"""Schemathesis against the live server's own `/openapi.json`: no 5xx, and every status documented.

Each route gets a bounded number of generated requests, valid and invalid ones, to a real
uvicorn server on 127.0.0.1 (keyless, as `letta server` starts by default). Half of them
name things that exist (an agent with a `human` block, a block, a run, a conversation, a
message, a tool) so the requests get past the 404 and into the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import status_code_conformance

from letta_code.server.routes import ROUTERS
from letta_code.testing import ModelServer
from tests.server.conftest import start_live_server

EXAMPLES = 20
OPERATIONS = sorted(
    f"{method} {route.path}"
    for router in ROUTERS
    for route in router.routes
    if isinstance(route, APIRoute) and route.include_in_schema
    for method in route.methods or ()
)


@dataclass
class Target:
    url: str
    schema: Any
    ids: dict[str, str] = field(default_factory=dict)

    def refresh_agent(self) -> None:
        """An agent with a `human` block, a run, a second conversation and a message."""
        url = self.url
        agent = httpx.post(f"{url}/v1/agents", json={"memory_blocks": [{"label": "human", "value": "h"}]}).json()
        run = httpx.post(f"{url}/v1/agents/{agent['id']}/messages/async", json={"input": "hi"}).json()
        conversation = httpx.post(f"{url}/v1/conversations", params={"agent_id": agent["id"]}, json={}).json()
        messages = httpx.get(f"{url}/v1/agents/{agent['id']}/messages").json()
        self.ids |= {
            "agent_id": agent["id"],
            "block_label": "human",
            "run_id": run["id"],
            "conversation_id": conversation["id"],
            "message_id": messages[0]["id"] if messages else "message-none",
        }

    def refresh_block(self) -> None:
        self.ids["block_id"] = httpx.post(f"{self.url}/v1/blocks", json={"label": "fuzz", "value": "v"}).json()["id"]

    def existing(self) -> dict[str, str]:
        """The ids, with what a generated DELETE removed made anew."""
        if httpx.get(f"{self.url}/v1/agents/{self.ids['agent_id']}").status_code != 200:
            self.refresh_agent()
        if httpx.get(f"{self.url}/v1/blocks/{self.ids['block_id']}").status_code != 200:
            self.refresh_block()
        return self.ids


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with ModelServer() as model:
        live, thread = start_live_server(Path(tmp_path_factory.mktemp("fuzz")), model, api_key=None)
        try:
            found = Target(live.url, schemathesis.openapi.from_url(f"{live.url}/openapi.json"))
            found.refresh_agent()
            found.refresh_block()
            found.ids["tool_id"] = httpx.get(f"{live.url}/v1/tools").json()[0]["id"]
            yield found
        finally:
            thread.stop()


def operation(target: Target, label: str) -> Any:
    for result in target.schema.get_all_operations():
        found = result.ok()
        if found.label == label:
            return found
    raise AssertionError(f"{label} is not in /openapi.json")


def test_every_route_is_fuzzed() -> None:
    assert len(OPERATIONS) >= 40 and "PATCH /v1/agents/{agent_id}/core-memory/blocks/{block_label}" in OPERATIONS


@pytest.mark.parametrize("label", OPERATIONS)
def test_generated_requests_get_no_server_error_and_only_documented_statuses(target: Target, label: str) -> None:
    op = operation(target, label)
    cases = st.one_of(op.as_strategy(GenerationMode.POSITIVE), op.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases, real=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any, real: bool) -> None:
        if real:
            ids = target.existing()
            for name in list(case.path_parameters or {}):
                if name in ids:
                    case.path_parameters[name] = ids[name]
            if case.query and "agent_id" in case.query:
                case.query["agent_id"] = ids["agent_id"]
        case.call_and_validate(checks=[not_a_server_error, status_code_conformance], timeout=30)

    check()
