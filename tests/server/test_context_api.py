"""`GET /v1/agents/{id}/context`: what the next model request holds, part by part.

The SDK has no such route (the old ContextWindowOverview one is gone from it), so the
reads are plain HTTP; agents, blocks and runs go through the official SDK.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from letta_client import Letta

from letta_code.testing import Reply
from tests.server.conftest import API_KEY, SDK_BASH_TOOL, LiveServer, user

AUTH = {"Authorization": f"Bearer {API_KEY}"}
PARTS = (
    "num_tokens_system",
    "num_tokens_core_memory",
    "num_tokens_summary_memory",
    "num_tokens_messages",
    "num_tokens_functions_definitions",
)


def context(live_server: LiveServer, agent_id: str, **params: str) -> dict[str, Any]:
    response = httpx.get(f"{live_server.url}/v1/agents/{agent_id}/context", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def assert_close_to_the_loops_estimate(live_server: LiveServer, agent_id: str, overview: dict[str, Any]) -> None:
    """The total is the loop's estimate of the same request, but for rounding: each part and
    each function is scaled and rounded on its own (a token at most each), the loop rounds once."""
    default = live_server.service.conversations.default_for(agent_id).id
    slack = len(PARTS) + len(overview["functions_definitions"])
    assert abs(overview["context_window_size_current"] - live_server.service.prompt_estimate(default)) <= slack


def assert_sized_as_what_the_model_received(live_server: LiveServer, overview: dict[str, Any], ratio: float) -> None:
    """Each part against the request the scripted model got after it, measured here on its own:
    the system prompt's text and each tool's JSON as sent, a token per four characters, scaled by
    the model's calibration (`ratio`, read when the overview was made). Drift in what the loop
    sends and what the overview counts shows here, whatever code they share."""

    def tokens(chars: int) -> int:
        return int((chars + 3) // 4 * ratio)

    system = live_server.model.last_system_prompt()
    assert abs(overview["num_tokens_system"] + overview["num_tokens_core_memory"] - tokens(len(system))) <= 2
    sent = [tool["function"] for tool in live_server.model.last_request()["tools"]]
    assert [f["name"] for f in sent] == [f["name"] for f in overview["functions_definitions"]]
    for fn, counted in zip(sent, overview["functions_definitions"], strict=True):
        size = len(fn["name"]) + len(fn.get("description") or "") + len(json.dumps(fn["parameters"]))
        assert abs(counted["tokens"] - tokens(size)) <= 1, fn["name"]


def make_agent(client: Letta) -> Any:
    return client.agents.create(
        name="measured", model="openai/gpt-4.1", memory_blocks=[{"label": "human", "value": "Likes tea."}]
    )


def test_parts_add_up_and_a_block_grows_with_its_value(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    before = context(live_server, agent.id)
    assert before["context_window_size_max"] == 1_047_576 and before["model"] == "openai/gpt-4.1"
    assert before["context_window_size_current"] == sum(before[part] for part in PARTS)
    assert before["num_messages"] == 0 and before["num_tokens_messages"] == 0 and before["summary_memory"] is None
    assert_close_to_the_loops_estimate(live_server, agent.id, before)
    human = next(b for b in before["blocks"] if b["label"] == "human")
    assert (human["chars"], human["limit"]) == (len("Likes tea."), 20_000)
    assert "Likes tea." in before["core_memory"] and "<human>" in before["core_memory"]
    assert before["system_prompt"] and before["system_prompt"] not in before["core_memory"]
    names = [f["name"] for f in before["functions_definitions"]]
    assert {"memory_replace", "conversation_search", "archival_memory_search"} <= set(names)
    assert all(f["source"] == "server" and f["tokens"] > 0 for f in before["functions_definitions"])

    client.agents.blocks.update("human", agent_id=agent.id, value="Likes tea. " + "Prefers long answers. " * 40)
    after = context(live_server, agent.id)
    grown = next(b for b in after["blocks"] if b["label"] == "human")
    assert grown["tokens"] > human["tokens"] + 150 and grown["chars"] > 800
    core_growth = after["num_tokens_core_memory"] - before["num_tokens_core_memory"]
    assert abs(core_growth - (grown["tokens"] - human["tokens"])) <= 1  # the block's share, rounded apart
    assert after["context_window_size_current"] == sum(after[part] for part in PARTS)
    ratio = live_server.service.loop.compactor.ratio("gpt-4.1")
    live_server.model.script([Reply(text="Noted.")])
    client.agents.messages.create(agent.id, messages=user("hi"))
    assert_sized_as_what_the_model_received(live_server, after, ratio)


def test_it_is_what_the_next_request_sends_with_the_latest_runs_client_tools(
    live_server: LiveServer, client: Letta
) -> None:
    agent = make_agent(client)
    client.agents.passages.create(agent.id, text="An archived fact.")
    live_server.model.script([Reply(text="Hello!")])
    client.agents.messages.create(agent.id, messages=user("hi"), client_tools=[SDK_BASH_TOOL])

    overview = context(live_server, agent.id)
    ratio = live_server.service.loop.compactor.ratio("gpt-4.1")
    bash = next(f for f in overview["functions_definitions"] if f["name"] == "Bash")
    assert bash["source"] == "client" and bash["tokens"] > 0
    assert overview["num_messages"] == 2 and overview["num_tokens_messages"] > 0
    assert (overview["num_archival_memory"], overview["num_recall_memory"]) == (1, 2)
    assert overview["context_window_size_current"] == sum(overview[part] for part in PARTS)

    live_server.model.script([Reply(text="Again!")])
    client.agents.messages.create(agent.id, messages=user("again"), client_tools=[SDK_BASH_TOOL])
    sent = live_server.model.last_system_prompt()
    assert sent == f"{overview['system_prompt']}\n\n{overview['core_memory']}"
    assert live_server.model.last_tools() == [f["name"] for f in overview["functions_definitions"]]
    assert_sized_as_what_the_model_received(live_server, overview, ratio)


def test_a_conversation_with_a_small_window_gets_the_compact_prompt(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    created = httpx.post(
        f"{live_server.url}/v1/conversations",
        params={"agent_id": agent.id},
        json={"context_window_limit": 4000},
        headers=AUTH,
    )
    conversation = created.json()["id"]
    small = context(live_server, agent.id, conversation_id=conversation)
    assert small["conversation_id"] == conversation and small["context_window_size_max"] == 4000
    assert "<human>Likes tea.</human>" in small["core_memory"]
    assert small["context_window_size_current"] < context(live_server, agent.id)["context_window_size_current"]


def test_unknown_agent_or_a_conversation_of_another_agent_is_404(live_server: LiveServer, client: Letta) -> None:
    mine, theirs = make_agent(client), make_agent(client)
    other = client.conversations.create(agent_id=theirs.id).id
    url = f"{live_server.url}/v1/agents"
    assert httpx.get(f"{url}/agent-nope/context", headers=AUTH).status_code == 404
    assert httpx.get(f"{url}/{mine.id}/context", params={"conversation_id": other}, headers=AUTH).status_code == 404


def test_a_compacted_conversation_shows_its_summary_and_the_kept_turn(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    for turn in ("first question", "second question"):
        live_server.model.script([Reply(text=f"answer to the {turn}")])
        client.agents.messages.create(agent.id, messages=user(turn))
    live_server.model.script([Reply(text="The user asked two questions.")])
    compacted = httpx.post(f"{live_server.url}/v1/agents/{agent.id}/summarize", json={}, headers=AUTH, timeout=30)
    assert compacted.status_code == 200, compacted.text

    overview = context(live_server, agent.id)
    assert "The user asked two questions." in overview["summary_memory"]
    assert overview["num_tokens_summary_memory"] > 0
    assert overview["num_messages"] == 2  # the last turn, kept verbatim
    assert overview["num_recall_memory"] >= 4  # nothing is deleted
    assert overview["context_window_size_current"] == sum(overview[part] for part in PARTS)
    assert_close_to_the_loops_estimate(live_server, agent.id, overview)
