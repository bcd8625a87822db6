"""Resuming runs whose process died: the stream continues where the stored chunks end.

A crash is simulated in-process: at a chosen point the run raises `Crash` (a
BaseException, so no handler of the run catches it) and from then on nothing more
reaches the database. The "restarted" service is a new `AgentService` on the same
file, after the run's owner is set to a process that does not exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from letta_code.schemas.chunks import ClientToolSchema
from letta_code.service.agent.recovery import SentText
from letta_code.service.service import AgentService
from letta_code.service.store import runs as run_store
from letta_code.testing import ModelServer, Reply
from tests.conftest import plain_chunks

DEAD_OWNER = f"{socket.gethostname()}:4194305"  # above Linux's pid_max: never a live process
BASH: ClientToolSchema = {
    "name": "Bash",
    "description": "run",
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}}},
}
WORDS = " ".join(f"word{i}" for i in range(30))


class Crash(BaseException):
    """The process dies here."""


class Crasher:
    """Patches service methods: `trigger` decides when the process dies; after that nothing is stored."""

    def __init__(self, service: AgentService) -> None:
        self.service = service
        self.dead = False
        for store, name in ((service.runs, "append_chunks"), (service.runs, "finish")):
            self._guard(store, name, lambda *a, **k: False)

    def _guard(self, obj: Any, name: str, trigger: Callable[..., bool]) -> None:
        original = getattr(obj, name)

        def patched(*args: Any, **kwargs: Any) -> Any:
            if self.dead or trigger(*args, **kwargs):
                self.dead = True
                raise Crash(name)
            return original(*args, **kwargs)

        setattr(obj, name, patched)

    def at(self, obj: Any, name: str, trigger: Callable[..., bool]) -> Crasher:
        self._guard(obj, name, trigger)
        return self


def make_agent(service: AgentService) -> str:
    human = service.agents.create_block("human", "The user likes tea.")
    return service.create_agent(name="a", model="openai/gpt-4.1", block_ids=[human.id]).id


async def run_until_crash(service: AgentService, **kwargs: Any) -> tuple[str, list[dict[str, Any]]]:
    """Start a run; return its id and every chunk a follower received before the crash."""
    run = service.start_run(**kwargs)
    seen: list[dict[str, Any]] = []

    async def collect() -> None:
        async for chunk in service.follow_run(run.id):
            seen.append(cast("dict[str, Any]", chunk))

    collector = asyncio.create_task(collect())
    task = service.registry.live[run.id].task
    assert task is not None
    with contextlib.suppress(Crash):
        await task
    assert isinstance(task.exception(), Crash), "the run was expected to crash"
    await asyncio.sleep(0.05)
    collector.cancel()
    return run.id, seen


def restart(db: Path, model: ModelServer, run_id: str) -> AgentService:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET owner = ? WHERE id = ?", (DEAD_OWNER, run_id))
    return AgentService(db, model.env())


async def resume(service: AgentService, run_id: str, starting_after: int) -> list[dict[str, Any]]:
    assert service.resume_interrupted_runs() == [run_id]
    return await plain_chunks(service.follow_run(run_id, starting_after))


def output(chunks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """What a client shows: text and reasoning deltas joined, tool calls, returns, the stop reason."""
    shown: list[tuple[str, str]] = []
    for c in chunks:
        kind = c["message_type"]
        if kind in ("ping", "usage_statistics"):
            continue
        value = str(
            c.get("content")
            or c.get("reasoning")
            or c.get("tool_return")
            or (c.get("tool_call") or {}).get("name")
            or c.get("stop_reason")
        )
        if shown and shown[-1][0] == kind and kind in ("assistant_message", "reasoning_message"):
            shown[-1] = (kind, shown[-1][1] + value)
        else:
            shown.append((kind, value))
    return shown


def uninterrupted(tmp_path: Path, model: ModelServer, replies: list[Reply], **kwargs: Any) -> list[tuple[str, str]]:
    service = AgentService(tmp_path / "reference.db", model.env())
    agent_id = make_agent(service)
    model.script(replies)

    async def drain() -> list[dict[str, Any]]:
        run = service.start_run(agent_id=agent_id, conversation_id=None, **kwargs)
        return await plain_chunks(service.follow_run(run.id))

    return output(asyncio.run(drain()))


def check_numbering(seen: list[dict[str, Any]], resumed: list[dict[str, Any]]) -> None:
    seqs = [c["seq_id"] for c in [*seen, *resumed]]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_token_stream_cut_mid_step_resumes_without_repeating(tmp_path: Path, model_server: ModelServer) -> None:
    request = {"messages": [{"role": "user", "content": "count"}], "stream_tokens": True, "background": True}
    expected = uninterrupted(tmp_path, model_server, [Reply(text=WORDS, reasoning="let me count")], **request)

    db = tmp_path / "letta.db"
    service = AgentService(db, model_server.env())
    agent_id = make_agent(service)
    # Paced, so that every delta is its own event-loop tick and is stored before the next comes.
    paced = Reply(text=WORDS, reasoning="let me count", chunk_delay=0.005)
    model_server.script([paced, Reply(text=WORDS, reasoning="let me count")])
    texts = iter(range(1000))
    Crasher(service).at(
        service.registry,
        "emit",
        lambda live, chunk: chunk.message_type == "assistant_message" and next(texts) == 12,
    )
    run_id, seen = asyncio.run(run_until_crash(service, agent_id=agent_id, conversation_id=None, **request))
    assert 0 < sum(c["message_type"] == "assistant_message" for c in seen) <= 12

    restarted = restart(db, model_server, run_id)
    resumed = asyncio.run(resume(restarted, run_id, seen[-1]["seq_id"]))
    assert output([*seen, *resumed]) == expected
    check_numbering(seen, resumed)
    assert len({c["otid"] for c in [*seen, *resumed] if c["message_type"] == "assistant_message"}) == 1
    conv = restarted.conversations.default_for(agent_id)
    stored = restarted.context_messages(conv.id)
    assert [m.role for m in stored] == ["user", "assistant"]  # the user message is not stored twice
    assert stored[1].content == [{"type": "text", "text": WORDS}] and stored[1].reasoning == "let me count"
    run = restarted.runs.get(run_id)
    assert (run.status, run.stop_reason) == ("completed", "end_turn")
    assert run.usage["step_count"] == 1


def test_a_redone_step_that_ends_short_of_what_was_streamed_supersedes_it(
    tmp_path: Path, model_server: ModelServer
) -> None:
    db = tmp_path / "letta.db"
    service = AgentService(db, model_server.env())
    agent_id = make_agent(service)
    # The redo repeats the start of what was streamed, then stops: clients hold more than the answer.
    model_server.script([Reply(text=WORDS, chunk_delay=0.005), Reply(text="word0 word1")])
    texts = iter(range(1000))
    Crasher(service).at(
        service.registry,
        "emit",
        lambda live, chunk: chunk.message_type == "assistant_message" and next(texts) == 12,
    )
    request = {"messages": [{"role": "user", "content": "count"}], "stream_tokens": True, "background": True}
    run_id, seen = asyncio.run(run_until_crash(service, agent_id=agent_id, conversation_id=None, **request))
    assert "word5" in "".join(c.get("content", "") for c in seen)

    restarted = restart(db, model_server, run_id)
    everything = [*seen, *asyncio.run(resume(restarted, run_id, seen[-1]["seq_id"]))]
    check_numbering(seen, everything[len(seen) :])
    [event] = [c for c in everything if c["message_type"] == "event_message"]
    assert event["event_type"] == "message_superseded" and event["event_data"]["message_id"] == seen[0]["id"]
    kept = [c for c in everything if c["message_type"] == "assistant_message" and c["id"] != seen[0]["id"]]
    stored = restarted.context_messages(restarted.conversations.default_for(agent_id).id)[-1]
    assert "".join(c["content"] for c in kept) == "word0 word1" and stored.content == [
        {"type": "text", "text": "word0 word1"}
    ]
    assert stored.id == event["event_data"]["replaced_by"] and {c["id"] for c in kept} == {stored.id}


@pytest.mark.parametrize("dies_storing", ["call_mem", "call_arch"])
def test_a_server_tool_whose_effect_landed_is_not_applied_again(
    tmp_path: Path, model_server: ModelServer, dies_storing: str
) -> None:
    db = tmp_path / "letta.db"
    service = AgentService(db, model_server.env())
    agent_id = make_agent(service)
    calls = [
        ("memory_insert", {"label": "human", "new_str": "Likes jazz."}, "call_mem"),
        ("archival_memory_insert", {"content": "The user's cat is called Miso."}, "call_arch"),
    ]
    model_server.script([Reply(tool_calls=calls), Reply(text="Noted both.")])
    # Dies after the tool's edit (or passage) was stored but before its tool result was.
    Crasher(service).at(
        service.conversations,
        "add_messages",
        lambda rows: rows[0].role == "tool" and rows[0].tool_call_id == dies_storing,
    )
    request = {"messages": [{"role": "user", "content": "remember"}], "background": True}
    run_id, seen = asyncio.run(run_until_crash(service, agent_id=agent_id, conversation_id=None, **request))

    restarted = restart(db, model_server, run_id)
    resumed = asyncio.run(resume(restarted, run_id, seen[-1]["seq_id"] if seen else 0))
    everything = [*seen, *resumed]
    check_numbering(seen, resumed)
    assert [k for k, _ in output(everything)] == [
        "tool_call_message",
        "tool_return_message",
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
        "stop_reason",
    ]
    assert output(everything)[-2:] == [("assistant_message", "Noted both."), ("stop_reason", "end_turn")]
    block = restarted.get_agent(agent_id).blocks[0]
    assert block.value.count("Likes jazz.") == 1
    passages = restarted.search.list_passages(agent_id)
    assert [p.text for p in passages] == ["The user's cat is called Miso."]
    returns = [c["tool_return"] for c in everything if c["message_type"] == "tool_return_message"]
    assert passages[0].id in returns[1]
    conv = restarted.conversations.default_for(agent_id)
    assert [m.role for m in restarted.context_messages(conv.id)] == ["user", "assistant", "tool", "tool", "assistant"]
    assert len(model_server.requests) == 2  # the finished step was not asked again


def test_a_stored_step_whose_chunks_were_lost_is_streamed_from_the_database(
    tmp_path: Path, model_server: ModelServer
) -> None:
    request = {"messages": [{"role": "user", "content": "q"}], "background": True}
    reply = Reply(text="The answer is 42.", reasoning="easy")
    expected = uninterrupted(tmp_path, model_server, [reply], **request)
    model_server.clear()

    db = tmp_path / "letta.db"
    service = AgentService(db, model_server.env())
    agent_id = make_agent(service)
    model_server.script([reply])
    # The step's message is stored, then the process dies before its chunks are.
    Crasher(service).at(service.runs, "append_chunks", lambda run_id, chunks, usage=None: usage is not None)
    run_id, seen = asyncio.run(run_until_crash(service, agent_id=agent_id, conversation_id=None, **request))
    assert seen == []

    restarted = restart(db, model_server, run_id)
    resumed = asyncio.run(resume(restarted, run_id, 0))
    assert output(resumed) == expected
    assert len(resumed) == 4  # reasoning and text whole, as a step without token streaming sends them
    assert len(model_server.requests) == 1
    # The stored usage (step_count 0) lags the stored step: the run counts the step it finished.
    assert restarted.runs.get(run_id).usage["step_count"] == 1


def test_a_pending_client_tool_call_is_offered_after_the_restart(tmp_path: Path, model_server: ModelServer) -> None:
    db = tmp_path / "letta.db"
    service = AgentService(db, model_server.env())
    agent_id = make_agent(service)
    model_server.script([Reply(tool_calls=[("Bash", {"command": "ls"}, "call_ls")])])
    Crasher(service).at(service.runs, "append_chunks", lambda run_id, chunks, usage=None: usage is not None)
    request = {"messages": [{"role": "user", "content": "list"}], "client_tools": [BASH], "background": True}
    run_id, seen = asyncio.run(run_until_crash(service, agent_id=agent_id, conversation_id=None, **request))

    restarted = restart(db, model_server, run_id)
    resumed = asyncio.run(resume(restarted, run_id, 0))
    assert [k for k, _ in output(resumed)] == ["approval_request_message", "stop_reason"]
    assert resumed[0]["tool_call"]["tool_call_id"] == "call_ls"
    assert restarted.runs.get(run_id).stop_reason == "requires_approval"
    model_server.script([Reply(text="Listed.")])
    approval = {"type": "approval", "approvals": [{"type": "tool", "tool_call_id": "call_ls", "tool_return": "a b"}]}

    async def answer() -> list[dict[str, Any]]:
        run = restarted.start_run(agent_id=agent_id, conversation_id=None, messages=[approval], client_tools=[BASH])
        return await plain_chunks(restarted.follow_run(run.id))

    assert output(asyncio.run(answer()))[-2:] == [("assistant_message", "Listed."), ("stop_reason", "end_turn")]


def test_only_background_runs_are_resumed(tmp_path: Path, model_server: ModelServer) -> None:
    db = tmp_path / "letta.db"
    service = AgentService(db, model_server.env())
    agent_id = make_agent(service)
    model_server.script([Reply(text="slow", chunk_delay=0.01)])
    Crasher(service).at(service.runs, "append_chunks", lambda run_id, chunks, usage=None: usage is not None)
    request = {"messages": [{"role": "user", "content": "hi"}], "background": False}
    run_id, _ = asyncio.run(run_until_crash(service, agent_id=agent_id, conversation_id=None, **request))

    restarted = restart(db, model_server, run_id)

    async def start() -> list[str]:
        return restarted.resume_interrupted_runs()

    assert asyncio.run(start()) == []
    run = restarted.runs.get(run_id)
    assert run.status == "failed" and "only background runs are resumed" in (run.error or "")
    model_server.script([Reply(text="Hello again.")])

    async def again() -> list[dict[str, Any]]:
        run = restarted.start_run(agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "hi"}])
        return await plain_chunks(restarted.follow_run(run.id))

    assert output(asyncio.run(again()))[-1] == ("stop_reason", "end_turn")


def test_a_cancel_asked_before_the_crash_is_honoured(tmp_path: Path, model_server: ModelServer) -> None:
    db = tmp_path / "letta.db"
    service = AgentService(db, model_server.env())
    agent_id = make_agent(service)
    model_server.script([Reply(tool_calls=[("memory_insert", {"label": "human", "new_str": "x"})])])
    Crasher(service).at(service.runs, "append_chunks", lambda run_id, chunks, usage=None: usage is not None)
    request = {"messages": [{"role": "user", "content": "hi"}], "background": True}
    run_id, _ = asyncio.run(run_until_crash(service, agent_id=agent_id, conversation_id=None, **request))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET cancel_requested = 1 WHERE id = ?", (run_id,))

    restarted = restart(db, model_server, run_id)
    resumed = asyncio.run(resume(restarted, run_id, 0))
    assert output(resumed)[-1] == ("stop_reason", "cancelled")
    assert restarted.runs.get(run_id).status == "cancelled"


def test_a_follower_of_a_run_whose_process_died_is_told_it_failed(tmp_path: Path, model_server: ModelServer) -> None:
    db = tmp_path / "letta.db"
    service = AgentService(db, model_server.env())
    agent_id = make_agent(service)
    conv = service.conversations.default_for(agent_id)
    run = service.runs.create(agent_id, conv.id, background=True)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET owner = ? WHERE id = ?", (DEAD_OWNER, run.id))

    async def follow() -> list[dict[str, Any]]:
        return await plain_chunks(service.follow_run(run.id))

    assert asyncio.run(asyncio.wait_for(follow(), 10)) == []
    assert service.runs.get(run.id).status == "failed"


def test_sent_text_tells_a_repeat_from_an_answer_that_changed() -> None:
    same = SentText("Hello wor", "otid-1")
    assert [same.repeats(full) for full in ("Hel", "Hello w", "Hello world")] == [True, True, True]
    assert [same.unsent(full) for full in ("Hello w", "Hello world", "Hello world!")] == ["", "ld", "!"]
    assert not SentText("Hello wor").repeats("Help")
    short = SentText("Hello wor")
    assert short.repeats("Hello") and not short.repeats("Hello", final=True)  # it ended before what was sent


def test_an_earlier_process_with_our_pid_is_dead(monkeypatch: pytest.MonkeyPatch) -> None:
    host = socket.gethostname()
    assert run_store._owner_alive(run_store.OWNER)
    assert not run_store._owner_alive(f"{host}:{os.getpid()}:1")  # a restarted container's pid 1
    parent = os.getppid()
    start = run_store._start_ticks(parent)
    if start is not None:
        assert run_store._owner_alive(f"{host}:{parent}:{start}")
        assert not run_store._owner_alive(f"{host}:{parent}:{int(start) + 1}")  # the pid was reused
    assert not run_store._owner_alive(DEAD_OWNER)
    assert run_store._owner_alive(f"elsewhere-{host}:1")  # another machine: cannot tell
