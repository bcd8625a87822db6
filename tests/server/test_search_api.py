"""Search over the REST API through the official SDK: messages (`client.messages.search`,
the conversation_search ranking) and agents by name (`client.agents.list(query_text=)`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import letta_client
import pytest
from letta_client import Letta
from letta_client.types.message_search_response import MessageSearchResponseItem

from letta_code.testing import Reply
from tests.server.conftest import API_KEY, LiveServer, user

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def make_agent(client: Letta, name: str) -> str:
    return client.agents.create(name=name, model="openai/gpt-4.1").id


def say(live_server: LiveServer, client: Letta, conversation_id: str, text: str, reply: str = "Noted.") -> None:
    live_server.model.script([Reply(text=reply)])
    chunks = list(client.conversations.messages.create(conversation_id, messages=user(text)))
    assert chunks[-2].message_type == "stop_reason", chunks


def texts(items: list[MessageSearchResponseItem]) -> list[str]:
    return [str(getattr(item, "content", "")) for item in items]


def test_search_finds_an_agents_facts_in_every_conversation_and_not_another_agents(
    live_server: LiveServer, client: Letta
) -> None:
    agent, other = make_agent(client, "cat owner"), make_agent(client, "neighbour")
    first = client.conversations.create(agent_id=agent).id
    second = client.conversations.create(agent_id=agent).id
    say(live_server, client, first, "My cat is called Mochiko.")
    say(live_server, client, second, "Mochiko only eats salmon.", reply="Salmon it is.")
    say(live_server, client, client.conversations.create(agent_id=other).id, "I also know a Mochiko.")

    found = client.messages.search(query="Mochiko", agent_id=agent)
    assert sorted(texts(found)) == ["Mochiko only eats salmon.", "My cat is called Mochiko."]
    assert {(hit.conversation_id, hit.agent_id) for hit in found} == {(first, agent), (second, agent)}
    assert all(hit.message_type == "user_message" and hit.created_at.tzinfo is not None for hit in found)
    listed = {m.id: m for m in client.conversations.messages.list(first, order="asc")}
    listed |= {m.id: m for m in client.conversations.messages.list(second, order="asc")}
    user_ids = {i for i, m in listed.items() if m.message_type == "user_message" and "Mochiko" in str(m.content)}
    assert {hit.message_id for hit in found} == user_ids and len(user_ids) == 2  # the ids the conversations list

    both = client.messages.search(query="Mochiko salmon", agent_id=agent)
    assert texts(both)[0] == "Mochiko only eats salmon."  # all words first
    salmon = client.messages.search(query="salmon", agent_id=agent)
    assert sorted((h.message_type, texts([h])[0]) for h in salmon) == [
        ("assistant_message", "Salmon it is."),
        ("user_message", "Mochiko only eats salmon."),
    ]
    only_second = client.messages.search(query="Mochiko", conversation_id=second)
    assert [(h.conversation_id, texts([h])[0]) for h in only_second] == [(second, "Mochiko only eats salmon.")]
    everyone = client.messages.search(query="Mochiko")
    assert {h.agent_id for h in everyone} >= {agent, other} and len(everyone) >= 3
    assert len(client.messages.search(query="Mochiko", agent_id=agent, limit=1)) == 1
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert client.messages.search(query="Mochiko", agent_id=agent, start_date=tomorrow) == []


def test_unknown_agent_or_conversation_is_404(client: Letta) -> None:
    agent = make_agent(client, "lonely")
    theirs = client.conversations.create(agent_id=make_agent(client, "other")).id
    with pytest.raises(letta_client.NotFoundError):
        client.messages.search(query="x", agent_id="agent-nope")
    with pytest.raises(letta_client.NotFoundError):
        client.messages.search(query="x", conversation_id="conv-nope")
    with pytest.raises(letta_client.NotFoundError):
        client.messages.search(query="x", agent_id=agent, conversation_id=theirs)


def test_agents_are_found_by_a_part_of_their_name_in_any_case(client: Letta) -> None:
    ids = {name: make_agent(client, name) for name in ("Refactor Bot", "test runner", "docs writer")}
    assert [a.id for a in client.agents.list(query_text="refactor")] == [ids["Refactor Bot"]]
    assert {a.id for a in client.agents.list(query_text="R", limit=100)} >= {
        ids["Refactor Bot"],
        ids["test runner"],
        ids["docs writer"],
    }
    assert [a.id for a in client.agents.list(query_text="TEST RUN")] == [ids["test runner"]]
    assert [a.id for a in client.agents.list(name="docs writer")] == [ids["docs writer"]]  # `name` stays exact
    assert list(client.agents.list(name="docs")) == []
    assert list(client.agents.list(query_text="no such agent")) == []


def test_a_hidden_agent_is_left_out_of_a_search_over_every_agent(live_server: LiveServer, client: Letta) -> None:
    parent = make_agent(client, "parent")
    hidden = client.agents.create(name="reflection", model="openai/gpt-4.1", tags=["hidden", f"parent:{parent}"]).id
    say(live_server, client, client.conversations.create(agent_id=parent).id, "The lighthouse keeper is Aurelio.")
    say(live_server, client, client.conversations.create(agent_id=hidden).id, "Transcript: lighthouse keeper Aurelio.")
    everyone = client.messages.search(query="Aurelio")
    assert [(h.agent_id, texts([h])[0]) for h in everyone] == [(parent, "The lighthouse keeper is Aurelio.")]
    assert [h.agent_id for h in client.messages.search(query="Aurelio", agent_id=hidden)] == [hidden]


def test_the_order_is_the_conversation_search_tools(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client, "ranked")
    conversation = client.conversations.create(agent_id=agent).id
    for text in ("grebe", "the grebe dives for fish", "a grebe grebe grebe", "fish only", "grebe and fish at dusk"):
        say(live_server, client, conversation, text, reply="ok")
    live_server.model.script(
        [Reply(tool_calls=[("conversation_search", {"query": "grebe fish"})]), Reply(text="Found them.")]
    )
    client.agents.messages.create(agent, messages=user("look it up"))
    tool_result = json.loads(str(live_server.model.last_messages()[-1]["content"]))
    by_tool = [r["message_id"] for r in tool_result["results"]]
    by_route = [h.message_id for h in client.messages.search(query="grebe fish", agent_id=agent, limit=10)]
    assert by_route == by_tool and len(by_route) == 5


def test_bad_dates_and_a_default_conversation_without_agent_are_400(live_server: LiveServer, client: Letta) -> None:
    url = f"{live_server.url}/v1/messages/search"
    for field, value in (("start_date", "0001-01-01T00:00:00+05:00"), ("end_date", "9999-12-31T23:59:59-05:00")):
        refused = httpx.post(url, json={"query": "x", field: value}, headers=AUTH)
        assert refused.status_code == 400 and field in refused.json()["detail"], refused.text
    with pytest.raises(letta_client.BadRequestError):
        client.messages.search(query="x", conversation_id="default")


def test_an_end_date_is_on_or_before_and_a_bare_date_is_its_whole_day(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client, "dated")
    say(live_server, client, client.conversations.create(agent_id=agent).id, "The cormorant dries its wings.")
    (hit,) = client.messages.search(query="cormorant", agent_id=agent)
    assert [h.message_id for h in client.messages.search(query="cormorant", agent_id=agent, end_date=hit.created_at)]
    today = hit.created_at.astimezone(UTC).date().isoformat()
    body = {"query": "cormorant", "agent_id": agent, "end_date": today}
    assert len(httpx.post(f"{live_server.url}/v1/messages/search", json=body, headers=AUTH).json()) == 1
