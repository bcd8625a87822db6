"""Message search as `POST /v1/messages/search` runs it: `AgentService.search_messages` over a real
SQLite file. One query and one ranking with the conversation_search tool, hidden agents left out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from letta_code.service.agent.search_tools import ToolContext, make_search_handlers
from letta_code.service.errors import BadRequestError, NotFoundError
from letta_code.service.service import AgentService
from letta_code.service.store.models import Message, new_id

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path) -> AgentService:
    return AgentService(tmp_path / "letta.db", {})


def agent(service: AgentService, name: str, tags: list[str] | None = None) -> str:
    return service.create_agent(name=name, model="openai/gpt-4.1", tags=tags).id


def say(service: AgentService, agent_id: str, text: str, *, role: str = "user", when: datetime = NOW) -> str:
    conv = service.conversations.default_for(agent_id).id
    message_id = new_id("message")
    service.conversations.add_messages(
        [
            Message(
                id=message_id,
                agent_id=agent_id,
                conversation_id=conv,
                role=role,
                content=[{"type": "text", "text": text}],
                created_at=when,
            )
        ]
    )
    return message_id


def tool_order(service: AgentService, agent_id: str, query: str) -> list[str]:
    """The message ids the agent's conversation_search tool returns, in its order."""
    search = make_search_handlers(service.search)["conversation_search"]
    conv = service.conversations.default_for(agent_id).id
    result = search({"query": query}, ToolContext(agent_id, conv, run_id="run-none"))
    return [r["message_id"] for r in json.loads(result)["results"]]


def test_an_all_agents_search_leaves_out_hidden_agents(service: AgentService) -> None:
    parent = agent(service, "parent")
    reflection = agent(service, "parent's reflection", tags=["hidden", "reflection", f"parent:{parent}"])
    mine = say(service, parent, "The pelican nests on the pier.")
    copy = say(service, reflection, "Transcript: the pelican nests on the pier.")

    assert [h.message_id for h in service.search_messages("pelican")] == [mine]
    assert [h.agent_id for h in service.search_messages("pelican")] == [parent]
    # Named explicitly, a hidden agent is searched.
    assert [h.message_id for h in service.search_messages("pelican", agent_id=reflection)] == [copy]


def test_the_order_is_the_tools_all_words_first_across_agents(service: AgentService) -> None:
    both_words, one_word, crowd = agent(service, "both"), agent(service, "one"), agent(service, "crowd")
    for n in range(12):  # "quintet" in over half the messages: it weighs next to nothing in BM25
        say(service, crowd, f"The quintet played piece number {n}.")
    best = say(service, both_words, "zorblax quintet")
    strong = say(service, one_word, "zorblax zorblax zorblax zorblax")

    everyone = service.search_messages("zorblax quintet")
    assert [h.message_id for h in everyone[:2]] == [best, strong]  # every word first, then any
    assert everyone[1].score is not None and everyone[0].score is not None
    assert everyone[1].score < everyone[0].score  # ...though BM25 alone would put the other first
    for agent_id in (both_words, one_word, crowd):
        found = [h.message_id for h in service.search_messages("zorblax quintet", agent_id=agent_id, limit=10)]
        assert found == tool_order(service, agent_id, "zorblax quintet")


def test_one_query_whatever_the_number_of_agents(service: AgentService) -> None:
    for n in range(8):
        say(service, agent(service, f"agent {n}"), f"The heron {n} waits.")
    engine = service.search.sessions.kw["bind"]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        found = service.search_messages("heron")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(found) == 8
    # How common the words are, the ranking, the snippets, the rows: not one set per agent.
    assert len(statements) <= 4, statements


def test_dates_bound_the_search_and_the_end_is_inclusive(service: AgentService) -> None:
    me = agent(service, "me")
    early = say(service, me, "osprey at dawn", when=NOW - timedelta(days=2))
    on_time = say(service, me, "osprey at noon", when=NOW)
    assert {h.message_id for h in service.search_messages("osprey", end=NOW)} == {early, on_time}
    assert [h.message_id for h in service.search_messages("osprey", start=NOW)] == [on_time]
    assert service.search_messages("osprey", end=NOW - timedelta(microseconds=1), agent_id=me)[0].message_id == early


def test_out_of_range_dates_and_a_default_conversation_without_agent_are_400(service: AgentService) -> None:
    me = agent(service, "me")
    say(service, me, "kestrel")
    late = datetime.fromisoformat("9999-12-31T23:59:59-05:00")
    with pytest.raises(BadRequestError, match="end_date"):
        service.search_messages("kestrel", end=late)
    with pytest.raises(BadRequestError, match="start_date"):
        service.search_messages("kestrel", start=datetime.fromisoformat("0001-01-01T00:00:00+05:00"))
    with pytest.raises(BadRequestError, match="agent_id"):
        service.search_messages("kestrel", conversation_id="default")
    assert len(service.search_messages("kestrel", conversation_id="default", agent_id=me)) == 1
    with pytest.raises(NotFoundError):
        service.search_messages("kestrel", agent_id="agent-nope")
