"""Runs over the SDK: status, background runs that outlive the connection, resume, cancel,
and parallel conversations editing one shared memory block."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import letta_client
import pytest
from letta_client import Letta

from letta_code.testing import RecordedRequest, Reply
from tests.server.conftest import LiveServer, run_id_of, user

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
WORDS = " ".join(f"word{i}" for i in range(30))


def no_pings(stream: Any) -> list[Any]:
    return [chunk for chunk in stream if chunk.message_type != "ping"]


def make_agent(client: Letta, **extra: Any) -> Any:
    return client.agents.create(name="runner", model="openai/gpt-4.1", **extra)


def test_list_and_retrieve_runs(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(text="one"), Reply(text="two")])
    client.agents.messages.create(agent.id, messages=user("a"))
    conv = client.conversations.create(agent_id=agent.id)
    chunks = no_pings(client.conversations.messages.create(conv.id, messages=user("b")))
    run_id = chunks[0].run_id
    runs = client.runs.list(agent_id=agent.id).items
    assert len(runs) == 2 and runs[0].id == run_id  # newest first
    assert all(r.status == "completed" and r.stop_reason == "end_turn" for r in runs)
    assert [r.id for r in client.runs.list(conversation_id=conv.id)] == [run_id]
    run = client.runs.retrieve(run_id)
    assert run.conversation_id == conv.id and run.agent_id == agent.id and run.completed_at is not None
    assert client.runs.list(agent_id=agent.id, active=True).items == []
    assert [m.message_type for m in client.runs.messages.list(run_id)] == ["user_message", "assistant_message"]
    assert client.runs.usage.retrieve(run_id).total_tokens
    # A finished run's stream replays from the database.
    replay = no_pings(client.runs.messages.stream(run_id, starting_after=1))
    assert [c.seq_id for c in replay] == [c.seq_id for c in chunks[1:]]


def test_background_run_survives_a_dropped_connection_and_resumes(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    conv = client.conversations.create(agent_id=agent.id)
    live_server.model.script([Reply(text=WORDS, chunk_delay=0.02)])
    stream = client.conversations.messages.create(conv.id, messages=user("talk"), stream_tokens=True, background=True)
    before: list[Any] = []
    for chunk in stream:
        if chunk.message_type != "ping":
            before.append(chunk)
        if len(before) == 4:
            break
    stream.close()  # the client goes away mid-stream
    run_id, last_seq = before[-1].run_id, before[-1].seq_id
    assert client.runs.retrieve(run_id).status == "running"
    time.sleep(0.2)  # the run keeps producing while nobody listens
    after = no_pings(client.runs.messages.stream(run_id, starting_after=last_seq))
    everything = before + after
    assert [c.seq_id for c in everything] == list(range(1, len(everything) + 1))
    text = "".join(c.content for c in everything if c.message_type == "assistant_message")
    assert text == WORDS
    assert everything[-2].stop_reason == "end_turn"
    run = client.runs.retrieve(run_id)
    assert run.status == "completed" and run.background is True
    # The conversation-level resume finds the latest run by itself.
    tail = no_pings(client.conversations.messages.stream(conv.id, starting_after=len(everything) - 2))
    assert [c.message_type for c in tail] == ["stop_reason", "usage_statistics"]


def test_resume_while_running_follows_live(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(text=WORDS, chunk_delay=0.02)])
    stream = client.agents.messages.stream(agent.id, messages=user("talk"), stream_tokens=True, background=True)
    first = next(c for c in stream if c.message_type != "ping")
    stream.close()
    resumed = no_pings(client.runs.messages.stream(run_id_of(first), starting_after=0))
    assert resumed[0].seq_id == 1 and resumed[-2].stop_reason == "end_turn"
    assert "".join(c.content for c in resumed if c.message_type == "assistant_message") == WORDS


def test_cancel_a_running_conversation(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    conv = client.conversations.create(agent_id=agent.id)
    live_server.model.script([Reply(text=WORDS * 3, chunk_delay=0.05)])
    stream = client.conversations.messages.create(conv.id, messages=user("go"), stream_tokens=True)
    first = next(c for c in stream if c.message_type != "ping")
    cancelled = client.conversations.cancel(conv.id)
    assert cancelled == {"cancelled_runs": [run_id_of(first)]}
    rest = no_pings(stream)
    assert rest[-2].stop_reason == "cancelled"
    run = client.runs.retrieve(run_id_of(first))
    assert run.status == "cancelled" and run.stop_reason == "cancelled"


def test_cancel_through_the_agent(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(text="late", delay=0.5)])
    stream = client.agents.messages.stream(agent.id, messages=user("go"), background=True)
    run_id = client.runs.list(agent_id=agent.id, active=True).items[0].id
    assert client.agents.messages.cancel(agent.id, run_ids=[run_id]) == {"cancelled_runs": [run_id]}
    assert no_pings(stream)[-2].stop_reason == "cancelled"


def test_cancel_through_the_agent_reaches_every_conversation_and_only_the_named_runs(
    live_server: LiveServer, client: Letta
) -> None:
    agent = make_agent(client)
    side = client.conversations.create(agent_id=agent.id)
    live_server.model.script([Reply(text=WORDS * 6, chunk_delay=0.05), Reply(text=WORDS * 6, chunk_delay=0.05)])
    default_stream = client.agents.messages.stream(agent.id, messages=user("go"), background=True)
    side_stream = client.conversations.messages.create(side.id, messages=user("go too"), background=True)
    active = client.runs.list(agent_id=agent.id, active=True).items
    assert len(active) == 2
    side_run = next(r.id for r in active if r.conversation_id == side.id)
    other_run = next(r.id for r in active if r.id != side_run)
    assert client.agents.messages.cancel(agent.id, run_ids=[side_run]) == {"cancelled_runs": [side_run]}
    assert no_pings(side_stream)[-2].stop_reason == "cancelled"
    assert client.runs.retrieve(other_run).status == "running"
    assert client.agents.messages.cancel(agent.id) == {"cancelled_runs": [other_run]}
    assert no_pings(default_stream)[-2].stop_reason == "cancelled"


def test_parallel_conversations_edit_a_shared_block(live_server: LiveServer, client: Letta) -> None:
    shared = client.blocks.create(label="project", value="alpha: old\nbeta: old")
    agent = make_agent(client, block_ids=[shared.id])
    convs = [client.conversations.create(agent_id=agent.id) for _ in range(2)]

    def reply(request: RecordedRequest) -> Reply:
        last = request["messages"][-1]
        if last["role"] == "tool":
            return Reply(text="saved")
        which = "alpha" if "alpha" in json.dumps(last["content"]) else "beta"
        edit = {"label": "project", "old_str": f"{which}: old", "new_str": f"{which}: new"}
        return Reply(tool_calls=[("memory_replace", edit)], delay=0.3)

    live_server.model.script([reply] * 4)

    def converse(conv_id: str, word: str) -> list[Any]:
        return no_pings(client.conversations.messages.create(conv_id, messages=user(f"update {word}")))

    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(converse, [c.id for c in convs], ["alpha", "beta"]))
    assert time.monotonic() - started < 1.2  # the two runs overlapped
    for chunks in results:
        returns = [c for c in chunks if c.message_type == "tool_return_message"]
        assert returns[0].status == "success", returns[0].tool_return
        assert chunks[-2].stop_reason == "end_turn"
    assert client.blocks.retrieve(shared.id).value == "alpha: new\nbeta: new"


def test_async_message_returns_a_run_to_follow(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(text="done in the background", delay=0.2)])
    run = client.agents.messages.create_async(agent.id, messages=user("work"))
    assert run.status == "running" and run.background is True
    chunks = no_pings(client.runs.messages.stream(run.id))
    assert [c.content for c in chunks if c.message_type == "assistant_message"] == ["done in the background"]
    assert client.runs.retrieve(run.id).status == "completed"


def test_conversations_list_update_and_default(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    other = make_agent(client)
    mine = [client.conversations.create(agent_id=agent.id, summary=f"session {i}") for i in range(2)]
    client.conversations.create(agent_id=other.id)
    listed = client.conversations.list(agent_id=agent.id)
    assert {c.id for c in listed} == {c.id for c in mine}
    renamed = client.conversations.update(mine[0].id, summary="refactoring")
    assert renamed.summary == "refactoring" and client.conversations.retrieve(mine[0].id).summary == "refactoring"
    default = client.conversations.retrieve("default", extra_query={"agent_id": agent.id})
    assert default.agent_id == agent.id and default.id not in {c.id for c in mine}
    with pytest.raises(letta_client.NotFoundError):
        client.conversations.retrieve(mine[0].id, extra_query={"agent_id": other.id})
    with pytest.raises(letta_client.BadRequestError, match="agent_id"):
        client.conversations.messages.list("default")
