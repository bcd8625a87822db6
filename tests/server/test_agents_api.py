"""Agents, blocks, tools, models, health and auth through the official SDK."""

from __future__ import annotations

import json

import httpx
import letta_client
import pytest
from letta_client import Letta

import letta_code
from letta_code.testing import Reply
from tests.server.conftest import LiveServer, user


def test_health_needs_no_key_and_models_come_from_the_registry(live_server: LiveServer, client: Letta) -> None:
    with live_server.client(api_key=None) as anonymous:
        health = anonymous.health()
    assert health.status == "ok" and health.version == "0.16.6"  # the Letta API level (see routes/misc.py)
    assert httpx.get(f"{live_server.url}/v1/health").json()["letta_code_version"] == letta_code.__version__
    models = client.models.list()
    handles = {m.handle for m in models}
    assert "openai/gpt-4.1" in handles and "anthropic/claude-sonnet-4-5" in handles
    gpt = next(m for m in models if m.handle == "openai/gpt-4.1")
    assert gpt.provider_type == "openai" and gpt.context_window > 100_000


def test_api_key_is_required_everywhere_but_health(live_server: LiveServer) -> None:
    with live_server.client(api_key=None) as anonymous, pytest.raises(letta_client.AuthenticationError):
        anonymous.agents.list()
    with live_server.client(api_key="wrong") as wrong, pytest.raises(letta_client.AuthenticationError):
        wrong.blocks.list()
    response = httpx.get(f"{live_server.url}/v1/agents")
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]
    assert httpx.get(f"{live_server.url}/v1/health/").status_code == 200


def test_agent_lifecycle_with_memory_blocks(client: Letta) -> None:
    agent = client.agents.create(
        name="coder",
        model="openai/gpt-4.1",
        memory_blocks=[
            {"label": "human", "value": "The user likes tea.", "limit": 5000},
            {"label": "persona", "value": "I am a careful coder."},
        ],
        tags=["letta-code"],
        metadata={"origin": "test"},
    )
    assert agent.id.startswith("agent-") and agent.agent_type == "letta_v1_agent"
    assert {b.label for b in agent.blocks} == {"human", "persona"}
    assert {b.label for b in agent.memory.blocks} == {"human", "persona"}
    assert agent.llm_config.handle == "openai/gpt-4.1" and agent.llm_config.model == "gpt-4.1"
    assert "memory_replace" in {t.name for t in agent.tools}
    assert all(t.id.startswith("tool-") for t in agent.tools)

    fetched = client.agents.retrieve(agent.id)
    assert fetched.id == agent.id and fetched.tags == ["letta-code"] and fetched.metadata == {"origin": "test"}
    assert [a.id for a in client.agents.list(tags=["letta-code"])] == [agent.id]
    assert client.agents.list(name="nobody").items == []

    renamed = client.agents.update(agent.id, name="coder-2", model="anthropic/claude-sonnet-4-5")
    assert renamed.name == "coder-2" and renamed.model == "anthropic/claude-sonnet-4-5"

    blocks = client.agents.blocks.list(agent.id)
    assert [b.label for b in blocks] == ["human", "persona"]
    human = client.agents.blocks.retrieve("human", agent_id=agent.id)
    assert human.value == "The user likes tea." and human.limit == 5000
    client.agents.blocks.update("human", agent_id=agent.id, value="The user likes coffee.")
    assert client.blocks.retrieve(human.id).value == "The user likes coffee."

    with pytest.raises(letta_client.NotFoundError):
        client.agents.retrieve("agent-00000000-0000-4000-8000-000000000000")
    with pytest.raises(letta_client.BadRequestError, match="unknown model"):
        client.agents.update(agent.id, model="nonsense-model")
    client.agents.delete(agent.id)
    with pytest.raises(letta_client.NotFoundError):
        client.agents.retrieve(agent.id)


def test_shared_blocks_attach_and_detach(client: Letta) -> None:
    shared = client.blocks.create(label="project", value="A Python CLI.", description="about the project")
    assert shared.id.startswith("block-")
    first = client.agents.create(name="one", model="openai/gpt-4.1", block_ids=[shared.id])
    second = client.agents.create(name="two", model="openai/gpt-4.1")
    attached = client.agents.blocks.attach(shared.id, agent_id=second.id)
    assert [b.id for b in attached.blocks] == [shared.id]
    client.blocks.update(shared.id, value="A Python CLI with a server.")
    for agent_id in (first.id, second.id):
        assert client.agents.retrieve(agent_id).blocks[0].value == "A Python CLI with a server."
    assert {a.id for a in client.blocks.agents.list(shared.id)} == {first.id, second.id}
    detached = client.agents.blocks.detach(shared.id, agent_id=second.id)
    assert detached.blocks == []
    assert [b.id for b in client.blocks.list(label="project")] == [shared.id]
    with pytest.raises(letta_client.BadRequestError, match="over the block's limit"):
        client.blocks.update(shared.id, value="x" * 30000)
    client.blocks.delete(shared.id)
    with pytest.raises(letta_client.NotFoundError):
        client.blocks.retrieve(shared.id)


def test_tools_list_attach_detach(client: Letta) -> None:
    agent = client.agents.create(name="t", model="openai/gpt-4.1", tools=["Bash", "Read"])
    names = [t.name for t in client.agents.tools.list(agent.id)]
    assert "Bash" in names and "memory_insert" in names
    bash = next(t for t in client.tools.list() if t.name == "Bash")
    assert client.tools.retrieve(bash.id).name == "Bash"
    after = client.agents.tools.detach(bash.id, agent_id=agent.id)
    assert after is not None
    assert "Bash" not in [t.name for t in after.tools]
    again = client.agents.tools.attach(bash.id, agent_id=agent.id)
    assert again is not None
    assert "Bash" in [t.name for t in again.tools]


def test_auto_pagination_ends(client: Letta) -> None:
    tag = "paging"
    ids = [client.agents.create(name=f"p{i}", model="openai/gpt-4.1", tags=[tag]).id for i in range(5)]
    seen = [a.id for a in client.agents.list(limit=2, order="asc", tags=[tag])]  # iterating follows `after`
    assert seen == ids
    newest_first = client.agents.list(limit=2, tags=[tag]).items
    assert [a.id for a in newest_first] == ids[::-1][:2]


def test_openapi_describes_the_routes(live_server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {live_server.api_key}"}
    spec = httpx.get(f"{live_server.url}/openapi.json", headers=headers).json()
    paths = spec["paths"]
    for path in (
        "/v1/agents",
        "/v1/agents/{agent_id}/messages/stream",
        "/v1/conversations/{conversation_id}/messages",
        "/v1/runs/{run_id}/stream",
        "/v1/blocks/{block_id}",
        "/v1/health",
    ):
        assert path in paths, path
    assert not any(p.endswith("/") for p in paths)


def test_unknown_route_and_bad_body_are_json_errors(live_server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {live_server.api_key}"}
    missing = httpx.get(f"{live_server.url}/v1/nothing-here", headers=headers)
    assert missing.status_code == 404 and "detail" in missing.json()
    bad = httpx.post(f"{live_server.url}/v1/blocks", headers=headers, json={"value": 3})
    assert bad.status_code == 422 and "detail" in bad.json()


def test_an_agent_file_exported_and_imported_through_the_sdk(live_server: LiveServer, client: Letta) -> None:
    agent = client.agents.create(
        name="exported", model="openai/gpt-4.1", memory_blocks=[{"label": "human", "value": "Likes tea."}]
    )
    live_server.model.script([Reply(text="noted")])
    list(client.agents.messages.create(agent.id, messages=user("remember the pelican")))
    text = client.agents.export_file(agent.id)
    document = json.loads(text)
    assert document["agents"][0]["name"] == "exported" and document["blocks"][0]["value"] == "Likes tea."
    imported = client.agents.import_file(file=("agent.af", text.encode(), "application/json"), name="imported")
    [new_id] = imported.agent_ids
    copy = client.agents.retrieve(new_id)
    assert copy.name == "imported" and [b.value for b in copy.memory.blocks] == ["Likes tea."]
    history = client.agents.messages.list(new_id, order="asc").items
    assert [m.message_type for m in history] == ["user_message", "assistant_message"]
    with pytest.raises(letta_client.BadRequestError, match="not JSON"):
        client.agents.import_file(file=("bad.af", b"{oops", "application/json"))
    with pytest.raises(letta_client.BadRequestError, match="v2"):
        client.agents.export_file(agent.id, use_legacy_format=True)
