"""conversation_search and archival memory: through the step loop and the scripted model,
and the search store directly (ranking, filters, FTS sync)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from letta_code.service.service import AgentService
from letta_code.service.store.models import Message, new_id
from letta_code.service.store.search import build_fts_query
from letta_code.testing import ModelServer, Reply
from tests.conftest import plain_chunks

SEARCH_TOOLS = {"conversation_search", "archival_memory_insert", "archival_memory_search"}


def make_service(tmp_path: Path, server: ModelServer) -> AgentService:
    return AgentService(tmp_path / "letta.db", server.env())


def new_agent(service: AgentService, name: str = "a") -> str:
    return service.create_agent(name=name, model="openai/gpt-4.1").id


def say(service: AgentService, agent_id: str, conversation_id: str | None, text: str) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        run = service.start_run(
            agent_id=agent_id, conversation_id=conversation_id, messages=[{"role": "user", "content": text}]
        )
        return await plain_chunks(service.follow_run(run.id))

    return asyncio.run(go())


def tool_return(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in chunks if c["message_type"] == "tool_return_message")


def add(service: AgentService, agent_id: str, conv: str, role: str, text: str, when: datetime | None = None) -> str:
    message_id = new_id("message")
    service.conversations.add_messages(
        [
            Message(
                id=message_id,
                agent_id=agent_id,
                conversation_id=conv,
                role=role,
                content=[{"type": "text", "text": text}],
                created_at=when or datetime.now(UTC),
            )
        ]
    )
    return message_id


def test_fact_from_conversation_a_is_found_from_conversation_b(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    conv_a = service.create_conversation(agent_id).id
    conv_b = service.create_conversation(agent_id).id
    model_server.script([Reply(text="Noted.")])
    say(service, agent_id, conv_a, "Our staging database is called heliotrope-7, remember that.")
    model_server.script(
        [Reply(tool_calls=[("conversation_search", {"query": "staging database name"})]), Reply(text="heliotrope-7")]
    )
    chunks = say(service, agent_id, conv_b, "What was the staging db called?")
    result = tool_return(chunks)
    assert result["status"] == "success"
    found = json.loads(result["tool_return"])["results"]
    assert found[0]["text"] == "Our staging database is called heliotrope-7, remember that."
    assert found[0]["conversation_id"] == conv_a and found[0]["this_conversation"] is False
    assert found[0]["role"] == "user"
    # The model got the result as the tool message.
    tool_msgs = [m for m in model_server.last_messages() if m.get("role") == "tool"]
    assert "heliotrope-7" in tool_msgs[-1]["content"]
    # The tools are offered to new agents.
    assert set(model_server.last_tools()) >= SEARCH_TOOLS


def test_search_results_are_not_found_by_later_searches(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    model_server.script([Reply(tool_calls=[("conversation_search", {"query": "zanzibar"})]), Reply(text="Nothing.")])
    first = tool_return(say(service, agent_id, None, "anything about it?"))
    assert first["tool_return"] == "No messages found for 'zanzibar'."
    model_server.script(
        [Reply(tool_calls=[("conversation_search", {"query": "zanzibar"})]), Reply(text="Still nothing.")]
    )
    second = tool_return(say(service, agent_id, None, "look again"))
    # Neither the first call's arguments nor its result are indexed.
    assert second["tool_return"] == "No messages found for 'zanzibar'."


def test_the_current_turn_is_not_a_result(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    model_server.script(
        [Reply(tool_calls=[("conversation_search", {"query": "quokka"})]), Reply(text="Never heard of it.")]
    )
    result = tool_return(say(service, agent_id, None, "did we ever talk about the quokka?"))
    assert result["tool_return"].startswith("No messages found")


def test_other_agents_messages_are_not_searched(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    mine, theirs = new_agent(service, "mine"), new_agent(service, "theirs")
    add(service, theirs, service.conversations.default_for(theirs).id, "user", "the secret word is marmalade")
    assert service.search.search_messages(mine, "marmalade") == []
    assert len(service.search.search_messages(theirs, "marmalade")) == 1


def test_ranking_filters_and_fallback(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    conv = service.conversations.default_for(agent_id).id
    old = datetime(2024, 3, 1, 12, tzinfo=UTC)
    both = add(service, agent_id, conv, "user", "the deploy script lives in ops/deploy.sh", old)
    one = add(service, agent_id, conv, "assistant", "I ran the deploy yesterday", old + timedelta(days=1))
    other = add(service, agent_id, conv, "tool", "script output: ok", old + timedelta(days=2))
    add(service, agent_id, conv, "user", "unrelated chatter about lunch", old + timedelta(days=3))
    hits = service.search.search_messages(agent_id, "deploy script")
    # Both words first (AND), then messages with either word (OR fallback).
    assert hits[0].message_id == both
    assert {h.message_id for h in hits[1:]} == {one, other}
    assert hits[0].score is not None and hits[0].role == "user" and hits[0].conversation_id == conv
    assert hits[0].text == "the deploy script lives in ops/deploy.sh"
    assert hits[0].matches == ["deploy", "script"]
    assert [h.message_id for h in service.search.search_messages(agent_id, "deploy script", limit=1)] == [both]
    assert [h.message_id for h in service.search.search_messages(agent_id, "deploy", roles=["assistant"])] == [one]
    dated = service.search.search_messages(
        agent_id, "deploy script", start=old + timedelta(hours=12), end=old + timedelta(days=1, hours=12)
    )
    assert [h.message_id for h in dated] == [one]
    # Stemming: "deploying" finds "deploy".
    assert {h.message_id for h in service.search.search_messages(agent_id, "deploying")} == {both, one}
    # An empty query lists the newest messages.
    assert len(service.search.search_messages(agent_id, "", limit=2)) == 2


EXACT_TEXTS = [
    "my lucky word is zebra-4417",
    "the glob is src/**/*.py, not src/*.py",
    "**bold** is markdown; a literal ** stays **, and so do __dunder__ names",
    "two lines:\n  indented  with  double  spaces\n\tand a tab",
]


def test_conversation_search_returns_the_stored_text_exactly(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    conv = service.conversations.default_for(agent_id).id
    ids = [add(service, agent_id, conv, "user", t) for t in EXACT_TEXTS]
    queries = ["lucky word zebra-4417", "src/**/*.py glob", "literal bold dunder", "indented tab"]
    model_server.script(
        [Reply(tool_calls=[("conversation_search", {"query": q}) for q in queries]), Reply(text="done")]
    )
    returns = [c for c in say(service, agent_id, None, "find them") if c["message_type"] == "tool_return_message"]
    assert [r["status"] for r in returns] == ["success"] * 4
    results = [json.loads(r["tool_return"]) for r in returns]
    for result, message_id, stored, query in zip(results, ids, EXACT_TEXTS, queries, strict=True):
        best = result["results"][0]
        assert result["query"] == query and result["order"] == "best match first"
        assert best["message_id"] == message_id and best["this_conversation"] is True  # the default one
        assert best["text"] == stored  # byte for byte: no ** marks, whitespace kept
        assert "clipped" not in best
    assert results[0]["results"][0]["matches"] == ["lucky", "word", "zebra", "4417"]
    assert results[1]["results"][0]["matches"] == ["glob", "src", "py"]  # in the order they occur
    assert results[2]["results"][0]["matches"] == ["bold", "literal", "dunder"]
    assert results[3]["results"][0]["matches"] == ["indented", "tab"]
    # The model got the same JSON as its tool message.
    tool_msgs = [m["content"] for m in model_server.last_messages() if m.get("role") == "tool"]
    assert json.loads(tool_msgs[-4])["results"][0]["text"] == EXACT_TEXTS[0]


def test_a_long_message_is_clipped_exactly_around_the_match(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    conv = service.conversations.default_for(agent_id).id
    filler = " ".join(f"w{i}" for i in range(200))
    stored = f"{filler} the key is **src/**/zebra-4417.py** done {filler}"
    add(service, agent_id, conv, "assistant", stored)
    (hit,) = service.search.search_messages(agent_id, "zebra")
    assert hit.clipped_start and hit.clipped_end and hit.matches == ["zebra"]
    assert hit.text in stored and "**src/**/zebra-4417.py**" in hit.text  # a window of the exact text
    assert len(hit.text.split()) <= 24  # bounded as before (24 tokens)
    assert hit.snippet == f"…{hit.text}…"
    # Without a query: the first 200 characters, exactly.
    (newest,) = service.search.search_messages(agent_id, "")
    assert newest.text == stored[:200] and newest.clipped_end and not newest.clipped_start
    assert newest.matches == []
    model_server.script([Reply(tool_calls=[("conversation_search", {"query": "zebra"})]), Reply(text="ok")])
    (best,) = json.loads(tool_return(say(service, agent_id, None, "find it"))["tool_return"])["results"]
    assert best["text"] == f"…{hit.text}…" and best["clipped"] == "start and end"
    assert best["matches"] == ["zebra"]


def test_stored_text_with_the_private_marks_is_still_exact(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    stored = "odd \ue000marks\ue001 around the walrus \ue002"
    add(service, agent_id, service.conversations.default_for(agent_id).id, "user", stored)
    (hit,) = service.search.search_messages(agent_id, "walrus")
    assert hit.text == stored and not hit.clipped_end


def test_archival_search_returns_the_stored_text_exactly(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    stored = "deploy notes:\n  run src/**/*.py through **ruff**\n  key zebra-4417"
    service.search.insert_passage(agent_id, stored, tags=["ops"])
    model_server.script([Reply(tool_calls=[("archival_memory_search", {"query": "zebra-4417"})]), Reply(text="ok")])
    result = json.loads(tool_return(say(service, agent_id, None, "find it"))["tool_return"])
    assert [(r["text"], r["tags"]) for r in result["results"]] == [(stored, ["ops"])]


def test_date_and_role_arguments_of_the_tool(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    conv = service.conversations.default_for(agent_id).id
    add(service, agent_id, conv, "user", "kiwi in january", datetime(2024, 1, 15, 12, tzinfo=UTC))
    add(service, agent_id, conv, "assistant", "kiwi in february", datetime(2024, 2, 15, 12, tzinfo=UTC))
    model_server.script(
        [
            Reply(
                tool_calls=[
                    ("conversation_search", {"query": "kiwi", "start_date": "2024-01-01", "end_date": "2024-01-31"}),
                    ("conversation_search", {"query": "kiwi", "roles": ["assistant"]}),
                    ("conversation_search", {"query": "kiwi", "start_date": "last week"}),
                    ("conversation_search", {"query": "kiwi", "roles": ["robot"]}),
                ]
            ),
            Reply(text="done"),
        ]
    )
    chunks = say(service, agent_id, None, "when did we talk about fruit?")
    returns = [c for c in chunks if c["message_type"] == "tool_return_message"]
    assert "january" in returns[0]["tool_return"] and "february" not in returns[0]["tool_return"]
    assert "february" in returns[1]["tool_return"] and "january" not in returns[1]["tool_return"]
    assert returns[2]["status"] == "error" and "not an ISO date" in returns[2]["tool_return"]
    assert returns[3]["status"] == "error" and "robot" in returns[3]["tool_return"]


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "NOT AND OR", "col:umn*", "a-b (c", "^start", "'single' quotes", "*", "NEAR(x y)"],
)
def test_fts_syntax_in_queries_never_errors(tmp_path: Path, model_server: ModelServer, query: str) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    add(service, agent_id, service.conversations.default_for(agent_id).id, "user", "column a b c start not and or")
    service.search.search_messages(agent_id, query)
    service.search.search_passages(agent_id, query)


def test_build_fts_query() -> None:
    assert build_fts_query("") is None and build_fts_query("?!") is None
    q = build_fts_query('What is the "staging db" called, deploy*?')
    assert q is not None
    assert q.terms == ["staging db", "called", "deploy*"]
    assert q.all_terms == '"staging db" AND "called" AND "deploy"*'
    assert q.any_terms == '"staging db" OR "called" OR "deploy"*'
    only_stopwords = build_fts_query("what is it")
    assert only_stopwords is not None and only_stopwords.terms == ["what", "is", "it"]
    short = build_fts_query("ka* dep* b**")  # a prefix this short would read most of the index
    assert short is not None and short.terms == ["ka", "dep*", "b"]


def test_cleared_and_deleted_messages(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    conv = service.conversations.default_for(agent_id).id
    add(service, agent_id, conv, "user", "remember the pelican")
    service.conversations.clear_context(conv)
    assert service.context_messages(conv) == []
    assert len(service.search.search_messages(agent_id, "pelican")) == 1  # out of context, still found
    service.agents.delete_agent(agent_id)
    with sqlite3.connect(tmp_path / "letta.db") as db:
        assert db.execute("SELECT count(*) FROM messages_fts").fetchone() == (0,)


def test_archival_memory_insert_and_search(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    model_server.script(
        [
            Reply(
                tool_calls=[
                    (
                        "archival_memory_insert",
                        {"content": "The CI runs on Buildkite with 8 agents.", "tags": ["ci", "infra"]},
                    ),
                    (
                        "archival_memory_insert",
                        {"content": "Releases are cut every second Tuesday.", "tags": ["process"]},
                    ),
                    (
                        "archival_memory_insert",
                        {"content": "Buildkite tokens rotate monthly.", "tags": ["infra", "security"]},
                    ),
                    ("archival_memory_insert", {"content": ""}),
                ]
            ),
            Reply(text="Stored."),
        ]
    )
    inserted = [c for c in say(service, agent_id, None, "remember these") if c["message_type"] == "tool_return_message"]
    assert [c["status"] for c in inserted] == ["success", "success", "success", "error"]
    assert "3 entries in total" in inserted[2]["tool_return"]
    model_server.script(
        [
            Reply(
                tool_calls=[
                    ("archival_memory_search", {"query": "buildkite"}),
                    ("archival_memory_search", {"query": "buildkite", "tags": ["security"]}),
                    ("archival_memory_search", {"query": "", "tags": ["ci", "infra"], "tag_match_mode": "all"}),
                    ("archival_memory_search", {"query": "when are releases", "top_k": 1}),
                ]
            ),
            Reply(text="Found."),
        ]
    )
    found = [
        c["tool_return"]
        for c in say(service, agent_id, None, "what do you know?")
        if c["message_type"] == "tool_return_message"
    ]
    texts = [[r["text"] for r in json.loads(f)["results"]] for f in found]
    assert sorted(texts[0]) == ["Buildkite tokens rotate monthly.", "The CI runs on Buildkite with 8 agents."]
    assert texts[1] == ["Buildkite tokens rotate monthly."]
    assert texts[2] == ["The CI runs on Buildkite with 8 agents."]
    assert texts[3] == ["Releases are cut every second Tuesday."]
    assert json.loads(found[1])["results"][0]["tags"] == ["infra", "security"]
    # Passages belong to the agent.
    other = new_agent(service, "other")
    assert service.search.search_passages(other, "buildkite") == []
    assert service.search.count_passages(agent_id) == 3


def test_passage_store_round_trip(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = new_agent(service)
    first = service.search.insert_passage(agent_id, "alpha beta", tags=["x"])
    service.search.insert_passage(agent_id, "beta gamma", tags=["y"])
    assert [p.text for p in service.search.list_passages(agent_id)] == ["beta gamma", "alpha beta"]
    assert service.search.get_passage(first.id).tags == ["x"]
    ranked = service.search.search_passages(agent_id, "alpha beta")
    assert [p.text for p in ranked] == ["alpha beta", "beta gamma"]  # both words first, then either
    assert ranked[0].score is not None
    assert [p.text for p in service.search.search_passages(agent_id, "x")] == ["alpha beta"]  # tags are indexed
    service.search.delete_passage(first.id)
    assert [p.text for p in service.search.search_passages(agent_id, "alpha")] == []


def test_migration_indexes_existing_messages(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from letta_code.service.store.db import MIGRATIONS_DIR, create_sqlite_engine

    path = tmp_path / "letta.db"
    engine = create_sqlite_engine(path)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO agents VALUES ('agent-1','a',NULL,'sys','openai/gpt-4.1',1000,'[]','[]','{}','2024-01-01','2024-01-01')"
        )
        db.execute("INSERT INTO conversations VALUES ('conv-1','agent-1',1,NULL,0,'2024-01-01','2024-01-01')")
        db.execute(
            "INSERT INTO messages (id, agent_id, conversation_id, role, content, tool_calls, created_at)"
            " VALUES ('message-1','agent-1','conv-1','user','[{\"type\": \"text\", \"text\": \"old armadillo fact\"}]','[]',"
            "'2024-01-01 00:00:00.000000')"
        )
    service = AgentService(path, {})
    hits = service.search.search_messages("agent-1", "armadillo")
    assert [h.message_id for h in hits] == ["message-1"]
    assert hits[0].created_at == datetime(2024, 1, 1, tzinfo=UTC)
