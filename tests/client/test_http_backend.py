"""HttpBackend against a live server: the harness's operations, the client-tool round trip,
resume after a dropped stream, and errors; results match EmbeddedBackend on the same data."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from tests.server.conftest import API_KEY, BASH_TOOL, LiveServer, live_server, shared_server  # noqa: F401

from letta_code.client.backend import BackendError
from letta_code.client.embedded import EmbeddedBackend
from letta_code.client.http import HttpBackend
from letta_code.schemas.chunks import ApprovalInput, StreamChunk, UserInput
from letta_code.testing import Reply

WORDS = " ".join(f"tok{i}" for i in range(25))


@pytest.fixture
def server(request: pytest.FixtureRequest) -> LiveServer:
    """The shared live server of tests/server/conftest.py (its fixtures are imported above)."""
    live: LiveServer = request.getfixturevalue("live_server")
    return live


def user(text: str) -> list[UserInput]:
    return [{"role": "user", "content": text, "otid": "otid-test"}]


async def drain(stream: AsyncIterator[StreamChunk]) -> list[StreamChunk]:
    return [chunk async for chunk in stream]


def test_client_tool_round_trip(server: LiveServer) -> None:
    server.model.script([Reply(tool_calls=[("Bash", {"command": "echo hi"}, "call_1")]), Reply(text="It printed hi.")])

    async def scenario() -> None:
        backend = HttpBackend(server.url, API_KEY)
        try:
            block = await backend.create_block("human", "Likes tea.", description="about the user")
            agent = await backend.create_agent(name="h", model="openai/gpt-4.1", block_ids=[block.id], tools=["Bash"])
            assert [b.id for b in agent.blocks] == [block.id] and "Bash" in agent.tools
            conv = await backend.default_conversation(agent.id)
            assert conv.is_default and conv.agent_id == agent.id

            first = await drain(backend.send(conv.id, user("run it"), client_tools=[BASH_TOOL], stream_tokens=True))
            assert "ping" not in [c["message_type"] for c in first]
            approval = next(c for c in first if c["message_type"] == "approval_request_message")
            assert approval.get("tool_call", {}).get("tool_call_id") == "call_1"
            assert first[-2] == {
                "message_type": "stop_reason",
                "stop_reason": "requires_approval",
                "run_id": approval.get("run_id"),
                "seq_id": first[-2].get("seq_id"),
            }
            pending = await backend.pending_approvals(conv.id)
            assert pending == [{"tool_call_id": "call_1", "name": "Bash", "arguments": '{"command": "echo hi"}'}]

            with pytest.raises(BackendError) as busy:
                await drain(backend.send(conv.id, user("again"), client_tools=[], stream_tokens=False))
            assert busy.value.status == 409
            with pytest.raises(BackendError) as unknown:
                bad: list[ApprovalInput] = [
                    {
                        "type": "approval",
                        "approvals": [{"type": "tool", "tool_call_id": "nope", "tool_return": "", "status": "success"}],
                    }
                ]
                await drain(backend.send(conv.id, bad, client_tools=[], stream_tokens=False))
            assert unknown.value.status == 400 and "unknown tool_call_id" in str(unknown.value)

            answer: list[ApprovalInput] = [
                {
                    "type": "approval",
                    "approvals": [
                        {"type": "tool", "tool_call_id": "call_1", "tool_return": "hi\n", "status": "success"}
                    ],
                }
            ]
            second = await drain(backend.send(conv.id, answer, client_tools=[BASH_TOOL], stream_tokens=False))
            assert [c.get("content") for c in second if c["message_type"] == "assistant_message"] == ["It printed hi."]
            assert await backend.pending_approvals(conv.id) == []

            # Same answers as the embedded backend reading the same database.
            embedded = EmbeddedBackend(server.service.db_path, server.model.env())
            assert await backend.list_messages(conv.id) == await embedded.list_messages(conv.id)
            assert await backend.find_agent(agent.id) == await embedded.find_agent(agent.id)
            assert await backend.find_conversation(conv.id) == await embedded.find_conversation(conv.id)
            assert await backend.list_conversations(agent.id) == await embedded.list_conversations(agent.id)
            assert await backend.find_block(block.id) == await embedded.find_block(block.id)
            assert [a.id for a in await backend.list_agents()] == [a.id for a in await embedded.list_agents()]
        finally:
            await backend.close()

    asyncio.run(scenario())


def test_resume_after_a_dropped_stream(server: LiveServer) -> None:
    server.model.script([Reply(text=WORDS, chunk_delay=0.02)])

    async def scenario() -> None:
        backend = HttpBackend(server.url + "/v1/", API_KEY)  # a trailing /v1 is tolerated
        try:
            agent = await backend.create_agent(name="r", model="openai/gpt-4.1", block_ids=[], tools=[])
            conv = await backend.create_conversation(agent.id)
            stream = backend.send(conv.id, user("talk"), client_tools=[], stream_tokens=True)
            before = []
            async for chunk in stream:
                before.append(chunk)
                if len(before) == 3:
                    break
            await stream.aclose()  # type: ignore[attr-defined]  # the connection drops
            rest = await drain(backend.resume(before[-1]["run_id"], before[-1]["seq_id"]))
            everything = before + rest
            assert [c["seq_id"] for c in everything] == list(range(1, len(everything) + 1))
            assert (
                "".join(str(c.get("content", "")) for c in everything if c["message_type"] == "assistant_message")
                == WORDS
            )
            assert everything[-2].get("stop_reason") == "end_turn"
        finally:
            await backend.close()

    asyncio.run(scenario())


def test_updates_clear_and_cancel(server: LiveServer) -> None:
    server.model.script([Reply(text="one"), Reply(text=WORDS * 4, chunk_delay=0.05)])

    async def scenario() -> None:
        backend = HttpBackend(server.url, API_KEY)
        try:
            agent = await backend.create_agent(
                name="u", model="openai/gpt-4.1", block_ids=[], tools=["Read"], tags=["t"]
            )
            updated = await backend.update_agent(agent.id, model="openai/gpt-4o", tools=["Read", "Bash"])
            assert updated.model == "openai/gpt-4o" and {"Read", "Bash"} <= set(updated.tools)
            conv = await backend.create_conversation(agent.id)
            await drain(backend.send(conv.id, user("hi"), client_tools=[], stream_tokens=False))
            await backend.clear_context(conv.id)
            assert [m.id for m in server.service.context_messages(conv.id)] == []
            assert len(await backend.list_messages(conv.id)) == 2

            stream = backend.send(conv.id, user("long"), client_tools=[], stream_tokens=True)
            first = await stream.__anext__()
            await backend.cancel(conv.id)
            rest = [c async for c in stream]
            assert first["run_id"] and rest[-2].get("stop_reason") == "cancelled"
        finally:
            await backend.close()

    asyncio.run(scenario())


def test_missing_things_and_unreachable_server(server: LiveServer) -> None:
    async def scenario() -> None:
        backend = HttpBackend(server.url, API_KEY)
        try:
            assert await backend.find_agent("agent-00000000-0000-4000-8000-000000000000") is None
            assert await backend.find_block("block-00000000-0000-4000-8000-000000000000") is None
            assert await backend.find_conversation("conv-00000000-0000-4000-8000-000000000000") is None
        finally:
            await backend.close()
        wrong_key = HttpBackend(server.url, "not-the-key")
        with pytest.raises(BackendError) as denied:
            await wrong_key.list_agents()
        assert denied.value.status == 401 and "API key" in str(denied.value)
        await wrong_key.close()

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        nobody = HttpBackend(f"http://127.0.0.1:{port}", None)
        with pytest.raises(BackendError) as refused:
            await nobody.find_agent("agent-x")
        assert "LETTA_BASE_URL" in str(refused.value) and "\n" not in str(refused.value)
        with pytest.raises(BackendError, match="LETTA_BASE_URL"):
            await drain(nobody.send("conv-x", user("hi"), client_tools=[], stream_tokens=False))
        # Resuming, a server that is away may be restarting: the harness is to try again.
        with pytest.raises(ConnectionError, match="LETTA_BASE_URL"):
            await drain(nobody.resume("run-x", 7))
        await nobody.close()

    asyncio.run(scenario())
