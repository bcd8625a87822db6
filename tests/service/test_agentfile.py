"""Agent files: export and import round trips through the service, and a file in the shape a
Letta server writes (its compiled system message, its custom tools, out-of-context messages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from letta_code.schemas.state import NewBlock
from letta_code.service import agentfile
from letta_code.service.errors import BadRequestError
from letta_code.service.service import AgentService
from letta_code.service.store.models import Message, new_id


@pytest.fixture
def service(tmp_path: Path) -> AgentService:
    return AgentService(tmp_path / "letta.db", {})


def say(service: AgentService, agent_id: str, role: str, text: str, **extra: Any) -> str:
    conv = service.conversations.default_for(agent_id).id
    message_id = new_id("message")
    service.conversations.add_messages(
        [Message(id=message_id, agent_id=agent_id, conversation_id=conv, role=role,
                 content=[{"type": "text", "text": text}], **extra)]
    )  # fmt: skip
    return message_id


def test_an_agent_survives_export_and_import(service: AgentService) -> None:
    agent = service.create_agent(
        name="keeper",
        model="anthropic/claude-sonnet-4-5",
        system="You keep things.",
        memory_blocks=[NewBlock("human", "Likes tea.", limit=500), NewBlock("notes", "Ship Fridays.", read_only=True)],
        tools=["Bash", "Read"],
        tags=["team"],
        context_window=64_000,
    )
    old = say(service, agent.id, "user", "an old question")
    conv_id = service.conversations.default_for(agent.id).id
    service.conversations.update(conv_id, context_start=service.conversations.seq_of(old))  # as /clear leaves it
    say(service, agent.id, "user", "run ls")
    calls = [{"id": "call_1", "name": "Bash", "arguments": '{"command": "ls"}', "client": True}]
    say(service, agent.id, "assistant", "", tool_calls=calls, reasoning="Let me look.")
    say(service, agent.id, "tool", "a.py", tool_call_id="call_1", tool_status="success")
    say(service, agent.id, "assistant", "There is a.py.")

    document = json.loads(json.dumps(agentfile.export_agent(service, agent.id)))  # as written to disk
    assert [a["id"] for a in document["agents"]] == ["agent-0"] and len(document["blocks"]) == 2
    assert len(document["agents"][0]["messages"]) == 5 and len(document["agents"][0]["in_context_message_ids"]) == 4

    [copy_id] = agentfile.import_agents(service, document, name="keeper two")
    copy = service.get_agent(copy_id)
    assert copy_id != agent.id and copy.name == "keeper two" and copy.system == "You keep things."
    assert (copy.model, copy.context_window, copy.tags) == ("anthropic/claude-sonnet-4-5", 64_000, ["team"])
    assert {"Bash", "Read"} <= set(copy.tools) and set(agent.tools) == set(copy.tools)
    assert {(b.label, b.value, b.limit, b.read_only) for b in copy.blocks} == {
        ("human", "Likes tea.", 500, False),
        ("notes", "Ship Fridays.", 20_000, True),
    } or {(b.label, b.value, b.read_only) for b in copy.blocks} == {
        ("human", "Likes tea.", False),
        ("notes", "Ship Fridays.", True),
    }
    assert not {b.id for b in copy.blocks} & {b.id for b in agent.blocks}  # new blocks, not shared ones
    conv = service.conversations.default_for(copy_id).id
    everything = service.conversations.messages_after(conv, 0)
    assert [m.role for m in everything] == ["user", "user", "assistant", "tool", "assistant"]
    assert everything[2].tool_calls == calls and everything[2].reasoning == "Let me look."
    assert everything[3].tool_call_id == "call_1" and everything[3].tool_status == "success"
    in_context = service.conversations.in_context_ids(conv)
    assert in_context == [m.id for m in everything[1:]]  # the cleared question stays out of context

    [bare] = agentfile.import_agents(service, document, strip_messages=True, append_copy_suffix=True)
    assert service.get_agent(bare).name == "keeper__copy"
    assert service.conversations.messages_after(service.conversations.default_for(bare).id, 0) == []


def test_a_file_in_a_letta_servers_shape(service: AgentService) -> None:
    document = {
        "agents": [
            {
                "id": "agent-0",
                "name": "analyst",
                "system": "You analyse data.",
                "llm_config": {"model": "gpt-4.1-mini", "model_endpoint_type": "openai", "context_window": 128000},
                "block_ids": ["block-0"],
                "tool_ids": ["tool-0", "tool-1", "tool-2"],
                "messages": [
                    {"type": "message", "id": "message-0", "role": "system", "content": [{"type": "text", "text": "compiled"}]},
                    {"type": "message", "id": "message-1", "role": "user", "content": [{"type": "text", "text": "hello"}]},
                    {"type": "message", "id": "message-2", "role": "assistant", "content": [],
                     "tool_calls": [{"id": "t1", "type": "function",
                                     "function": {"name": "send_message", "arguments": "{\"message\": \"hi\"}"}}]},
                    {"type": "message", "id": "message-3", "role": "tool", "tool_call_id": "t1",
                     "content": [{"type": "text", "text": "{\"status\": \"OK\"}"}],
                     "tool_returns": [{"tool_call_id": "t1", "status": "success"}]},
                ],
                "in_context_message_ids": ["message-0", "message-1", "message-2", "message-3"],
            }
        ],
        "blocks": [{"id": "block-0", "label": "human", "value": "username: sarah", "limit": 4000}],
        "tools": [
            {"id": "tool-0", "name": "conversation_search", "tool_type": "letta_core"},
            {"id": "tool-1", "name": "analyze_data", "tool_type": "custom", "source_code": "def analyze_data(): ..."},
            {"id": "tool-2", "name": "send_message", "tool_type": "letta_core"},
        ],
        "groups": [], "files": [], "sources": [], "mcp_servers": [], "metadata": {"revision_id": "x"},
    }  # fmt: skip
    [agent_id] = agentfile.import_agents(service, document)
    agent = service.get_agent(agent_id)
    assert agent.model == "openai/gpt-4.1-mini" and agent.context_window == 128000
    assert "conversation_search" in agent.tools and "analyze_data" not in agent.tools  # custom code: not run here
    assert [(b.label, b.value) for b in agent.blocks] == [("human", "username: sarah")]
    messages = service.conversations.messages_after(service.conversations.default_for(agent_id).id, 0)
    assert [m.role for m in messages] == ["user", "assistant", "tool"]  # the compiled system message is skipped


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ([], "a JSON object"),
        ({"agents": []}, "no agents"),
        ({"agent_type": "memgpt_agent", "core_memory": []}, r"v1 \(legacy\)"),
        ({"agents": [{"id": "agent-0", "name": "x"}]}, "names no model"),
        ({"agents": [{"id": "agent-0", "model": "openai/gpt-4.1", "block_ids": ["block-9"]}]}, "block-9"),
    ],
)
def test_a_bad_file_is_one_clear_error(service: AgentService, document: object, error: str) -> None:
    with pytest.raises(BadRequestError, match=error):
        agentfile.import_agents(service, document)
    assert service.agents.list_agents() == []  # nothing half-made
