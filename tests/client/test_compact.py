"""Compaction by hand (`/compact`): `Backend.compact` on both transports, and the
Letta API routes the official SDK calls (conversations.messages.compact and
agents.messages.compact)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import TypeVar

import pytest
from tests.conftest import BackendFactory
from tests.server.conftest import LiveServer, live_server, shared_server  # noqa: F401

from letta_code.client.backend import Backend, BackendError
from letta_code.schemas.chunks import UserInput
from letta_code.service.agent.compaction import SUMMARY_HEADER, SUMMARY_PROMPT
from letta_code.testing import ModelServer, RecordedRequest, Reply, text_of

SUMMARY = "The user counted to three; the agent answered each number."
T = TypeVar("T")


def user(text: str) -> list[UserInput]:
    return [{"role": "user", "content": text, "otid": f"otid-{text}"}]


async def drain(stream: AsyncIterator[T]) -> list[T]:
    return [chunk async for chunk in stream]


async def conversation(backend: Backend) -> str:
    block = await backend.create_block("project", "Rule: keep answers short.")
    agent = await backend.create_agent(name="c", model="openai/gpt-4.1", block_ids=[block.id], tools=[])
    return (await backend.default_conversation(agent.id)).id


def is_summary_request(req: RecordedRequest) -> bool:
    return SUMMARY_PROMPT[:60] in text_of(req["messages"][0]["content"])


def test_compact_summarizes_all_but_the_last_turn(make_backend: BackendFactory, model_server: ModelServer) -> None:
    async def scenario() -> None:
        backend = make_backend()
        try:
            conv = await conversation(backend)
            assert await backend.compact(conv) is None  # an empty conversation: nothing to compact
            model_server.script([Reply(text="a1"), Reply(text="a2"), Reply(text="a3")])
            for text in ("one", "two", "three"):
                chunks = await drain(backend.send(conv, user(text), client_tools=[], stream_tokens=False))
                assert chunks[-2].get("stop_reason") == "end_turn"

            model_server.script([Reply(text=SUMMARY)])
            report = await backend.compact(conv)
            assert report is not None
            before, after = report.pop("context_tokens_before"), report.pop("context_tokens_after")
            assert report == {
                "num_messages_before": 6,
                "num_messages_after": 3,  # the summary and the last turn
                "summary": SUMMARY,
                "num_messages_summarized": 4,
            }
            # The next prompt's estimated size: the system prompt and tools dominate here.
            assert 0 < after <= before
            summarizer = model_server.last_request()
            assert is_summary_request(summarizer)
            assert "[user] one" in text_of(summarizer["messages"][1]["content"])

            # The next request carries the summary and only the last turn of the history...
            model_server.script([Reply(text="four")])
            await drain(backend.send(conv, user("and now?"), client_tools=[], stream_tokens=False))
            sent = model_server.last_messages()
            assert [m["role"] for m in sent] == ["system", "user", "user", "assistant", "user"]
            assert text_of(sent[1]["content"]).startswith(SUMMARY_HEADER) and SUMMARY in text_of(sent[1]["content"])
            assert "Rule: keep answers short." in text_of(sent[0]["content"])
            # ...while every message is still stored.
            stored = await backend.list_messages(conv, limit=50)
            texts = [m.get("content") for m in stored if m["message_type"] in ("user_message", "assistant_message")]
            assert [t for t in texts if t in ("one", "a1", "two", "a2")] == ["one", "a1", "two", "a2"]
        finally:
            await backend.close()

    asyncio.run(scenario())


def test_compact_while_a_run_is_active_is_a_conflict(make_backend: BackendFactory, model_server: ModelServer) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(req: RecordedRequest) -> Reply:
        started.set()
        release.wait(10)
        return Reply(text="done")

    async def scenario() -> None:
        backend = make_backend()
        try:
            conv = await conversation(backend)
            model_server.script([slow])
            turn = asyncio.create_task(drain(backend.send(conv, user("work"), client_tools=[], stream_tokens=False)))
            assert await asyncio.to_thread(started.wait, 10)
            try:
                with pytest.raises(BackendError) as busy:
                    await backend.compact(conv)
                assert busy.value.status == 409 and "busy" in str(busy.value)
            finally:
                release.set()
            assert (await turn)[-2].get("stop_reason") == "end_turn"
        finally:
            await backend.close()

    asyncio.run(scenario())


def test_sdk_compacts_a_conversation_and_an_agent(live_server: LiveServer) -> None:  # noqa: F811
    live = live_server
    agent = live.service.create_agent(name="sdk-compact", model="openai/gpt-4.1")
    conv = live.service.create_conversation(agent.id)

    async def chat(conversation_id: str | None, *texts: str) -> None:
        for text in texts:
            run = live.service.start_run(
                agent_id=agent.id, conversation_id=conversation_id, messages=[{"role": "user", "content": text}]
            )
            await drain(live.service.follow_run(run.id))

    live.model.script([Reply(text=f"a{i}") for i in range(4)])
    asyncio.run(chat(conv.id, "one", "two"))
    asyncio.run(chat(None, "three", "four"))
    live.model.script([Reply(text="SUMMARY of one"), Reply(text="SUMMARY of three")])
    with live.client() as sdk:
        report = sdk.conversations.messages.compact(conv.id)
        assert (report.num_messages_before, report.num_messages_after) == (4, 3)
        assert report.summary == "SUMMARY of one"
        by_agent = sdk.agents.messages.compact(agent.id)
        assert by_agent.summary == "SUMMARY of three" and by_agent.num_messages_after == 3
        # nothing left to summarize in an empty conversation: a no-op, not an error
        empty = sdk.conversations.create(agent_id=agent.id)
        noop = sdk.conversations.messages.compact(empty.id)
        assert (noop.num_messages_before, noop.num_messages_after, noop.summary) == (0, 0, "")
