"""The agent service end to end over a real SQLite file and the scripted model server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from letta_code.service.errors import BadRequestError, ConflictError
from letta_code.service.service import AgentService
from letta_code.testing import ModelServer, Reply
from tests.conftest import plain_chunks

BASH = {
    "name": "Bash",
    "description": "run",
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}}},
}


def make_service(tmp_path: Path, server: ModelServer) -> AgentService:
    return AgentService(tmp_path / "letta.db", server.env())


def make_agent(service: AgentService, **extra: Any) -> str:
    human = service.agents.create_block("human", "The user likes tea.", description="about the user")
    agent = service.create_agent(name="a", model="openai/gpt-4.1", block_ids=[human.id], **extra)
    return agent.id


async def drain(service: AgentService, **kwargs: Any) -> list[dict[str, Any]]:
    run = service.start_run(**kwargs)
    return await plain_chunks(service.follow_run(run.id))


def kinds(chunks: list[dict[str, Any]]) -> list[str]:
    return [c["message_type"] for c in chunks]


def test_plain_answer_is_streamed_and_stored(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script([Reply(text="Hello there", reasoning="thinking")])
    chunks = asyncio.run(
        drain(service, agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "hi"}])
    )
    assert kinds(chunks) == ["reasoning_message", "assistant_message", "stop_reason", "usage_statistics"]
    assert [c["seq_id"] for c in chunks] == [1, 2, 3, 4]
    assert chunks[2]["stop_reason"] == "end_turn"
    assert chunks[3]["step_count"] == 1 and chunks[3]["total_tokens"] > 0
    conv = service.conversations.default_for(agent_id)
    stored = service.context_messages(conv.id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].reasoning == "thinking"
    # The system prompt carries the memory block with its metadata.
    system = model_server.last_system_prompt()
    assert "<human>" in system and "The user likes tea." in system and "chars_limit=20000" in system
    run = service.runs.get(chunks[0]["run_id"])
    assert run.status == "completed" and run.stop_reason == "end_turn"
    assert len(service.runs.chunks_after(run.id, 0)) == 4


def test_token_streaming_shares_otid(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script([Reply(text="one two three four five six")])
    chunks = asyncio.run(
        drain(
            service,
            agent_id=agent_id,
            conversation_id=None,
            messages=[{"role": "user", "content": "hi"}],
            stream_tokens=True,
        )
    )
    deltas = [c for c in chunks if c["message_type"] == "assistant_message"]
    assert len(deltas) > 1
    assert len({c["otid"] for c in deltas}) == 1
    assert "".join(c["content"] for c in deltas) == "one two three four five six"


def test_memory_replace_edits_shared_block(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    block_id = service.get_agent(agent_id).blocks[0].id
    other = service.create_agent(name="b", model="openai/gpt-4.1", block_ids=[block_id])
    model_server.script(
        [
            Reply(tool_calls=[("memory_replace", {"label": "human", "old_str": "tea", "new_str": "coffee"})]),
            Reply(text="Noted."),
        ]
    )
    chunks = asyncio.run(
        drain(
            service, agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "I prefer coffee"}]
        )
    )
    assert kinds(chunks)[:2] == ["tool_call_message", "tool_return_message"]
    assert chunks[1]["status"] == "success"
    assert service.get_agent(other.id).blocks[0].value == "The user likes coffee."
    model_server.script([Reply(text="ok")])
    asyncio.run(drain(service, agent_id=other.id, conversation_id=None, messages=[{"role": "user", "content": "hi"}]))
    assert "The user likes coffee." in model_server.last_system_prompt()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"label": "human", "old_str": "nothing", "new_str": "x"}, "was not found"),
        ({"label": "human", "old_str": "e", "new_str": "x"}, "occurs"),
        ({"label": "nope", "old_str": "tea", "new_str": "x"}, "no memory block labelled 'nope'"),
        ({"label": "human", "old_str": "tea", "new_str": "x" * 30000}, "over its limit"),
    ],
)
def test_memory_tool_errors_go_back_to_the_model(
    tmp_path: Path, model_server: ModelServer, args: dict[str, str], error: str
) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script([Reply(tool_calls=[("memory_replace", args)]), Reply(text="sorry")])
    chunks = asyncio.run(
        drain(service, agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "x"}])
    )
    ret = next(c for c in chunks if c["message_type"] == "tool_return_message")
    assert ret["status"] == "error" and error in ret["tool_return"]
    assert service.get_agent(agent_id).blocks[0].value == "The user likes tea."


def test_read_only_block_refuses_edits(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    block = service.agents.create_block("policy", "fixed", read_only=True)
    agent = service.create_agent(name="a", model="openai/gpt-4.1", block_ids=[block.id])
    model_server.script(
        [Reply(tool_calls=[("memory_rethink", {"label": "policy", "new_memory": "changed"})]), Reply(text="ok")]
    )
    chunks = asyncio.run(
        drain(service, agent_id=agent.id, conversation_id=None, messages=[{"role": "user", "content": "x"}])
    )
    ret = next(c for c in chunks if c["message_type"] == "tool_return_message")
    assert "read-only" in ret["tool_return"]
    assert service.agents.get_block(block.id).value == "fixed"


def test_client_tool_stops_for_approval_and_continues(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script([Reply(tool_calls=[("Bash", {"command": "echo hi"}, "call_1")]), Reply(text="It printed hi.")])

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first = await drain(
            service,
            agent_id=agent_id,
            conversation_id=None,
            messages=[{"role": "user", "content": "run"}],
            client_tools=[BASH],
        )
        conv = service.conversations.default_for(agent_id)
        with pytest.raises(ConflictError, match="waiting for approval"):
            service.start_run(
                agent_id=agent_id, conversation_id=conv.id, messages=[{"role": "user", "content": "again"}]
            )
        with pytest.raises(BadRequestError, match="unknown tool_call_id"):
            service.start_run(
                agent_id=agent_id,
                conversation_id=conv.id,
                messages=[
                    {
                        "type": "approval",
                        "approvals": [{"type": "tool", "tool_call_id": "zzz", "tool_return": "x", "status": "success"}],
                    }
                ],
            )
        second = await drain(
            service,
            agent_id=agent_id,
            conversation_id=conv.id,
            client_tools=[BASH],
            messages=[
                {
                    "type": "approval",
                    "approvals": [
                        {"type": "tool", "tool_call_id": "call_1", "tool_return": "hi\n", "status": "success"}
                    ],
                }
            ],
        )
        return first, second

    first, second = asyncio.run(scenario())
    approval = next(c for c in first if c["message_type"] == "approval_request_message")
    assert approval["tool_call"] == {
        "name": "Bash",
        "arguments": json.dumps({"command": "echo hi"}),
        "tool_call_id": "call_1",
    }
    assert first[-2]["stop_reason"] == "requires_approval"
    assert second[-2]["stop_reason"] == "end_turn"
    assert "Bash" in model_server.last_tools()
    tool_msgs = [m for m in model_server.last_messages() if m.get("role") == "tool"]
    assert tool_msgs[0]["content"] == "hi\n" and tool_msgs[0]["tool_call_id"] == "call_1"


def test_a_stale_approval_is_answered_and_the_turn_goes_on_in_one_send(
    tmp_path: Path, model_server: ModelServer
) -> None:
    """How a client that lost track of a pending approval recovers: the denial of every pending
    call and its new message in one request (the user message first in the list, even)."""
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    calls = [("Bash", {"command": "echo one"}, "call_a"), ("Bash", {"command": "echo two"}, "call_b")]
    model_server.script([Reply(tool_calls=calls), Reply(text="Fine, not running them.")])
    deny = {
        "type": "approval",
        "approvals": [
            {"type": "approval", "tool_call_id": "call_a", "approve": False, "reason": "stale"},
            {"type": "approval", "tool_call_id": "call_b", "approve": False, "reason": "stale"},
        ],
    }

    async def scenario() -> list[dict[str, Any]]:
        await drain(
            service,
            agent_id=agent_id,
            conversation_id=None,
            messages=[{"role": "user", "content": "run both"}],
            client_tools=[BASH],
        )
        conv = service.conversations.default_for(agent_id).id
        half = {**deny, "approvals": deny["approvals"][:1]}
        with pytest.raises(BadRequestError, match="approvals missing for tool calls: call_b"):
            service.start_run(
                agent_id=agent_id, conversation_id=conv, messages=[half, {"role": "user", "content": "new task"}]
            )
        return await drain(
            service,
            agent_id=agent_id,
            conversation_id=conv,
            client_tools=[BASH],
            messages=[{"role": "user", "content": "new task"}, deny],
        )

    chunks = asyncio.run(scenario())
    assert chunks[-2]["stop_reason"] == "end_turn"
    sent = [(m["role"], m.get("tool_call_id")) for m in model_server.last_messages()[-4:]]
    assert sent == [("assistant", None), ("tool", "call_a"), ("tool", "call_b"), ("user", None)]
    assert "new task" in str(model_server.last_messages()[-1]["content"])
    assert service.conversations.pending_approval(service.conversations.default_for(agent_id).id) is None


def test_max_steps_stops_a_looping_agent(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script(
        [Reply(tool_calls=[("memory_insert", {"label": "human", "new_str": f"fact {i}"})]) for i in range(5)]
    )
    chunks = asyncio.run(
        drain(
            service, agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "x"}], max_steps=3
        )
    )
    assert chunks[-2]["stop_reason"] == "max_steps"
    assert chunks[-1]["step_count"] == 3


def test_llm_error_ends_run_with_error_message(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script([Reply(status=401)])
    chunks = asyncio.run(
        drain(service, agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "x"}])
    )
    assert kinds(chunks) == ["error_message", "stop_reason", "usage_statistics"]
    assert "OPENAI_API_KEY" in chunks[0]["message"]
    assert service.runs.get(chunks[0]["run_id"]).status == "failed"


def test_busy_conversation_is_refused(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script([Reply(text="slow", delay=0.5)])

    async def scenario() -> str:
        run = service.start_run(agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "x"}])
        with pytest.raises(ConflictError, match=run.id):
            service.start_run(agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "y"}])
        async for _ in service.follow_run(run.id):
            pass
        return run.id

    run_id = asyncio.run(scenario())
    assert service.runs.get(run_id).status == "completed"


def test_cancel_stops_the_run(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script([Reply(text="a long answer " * 50, delay=1.0)])

    async def scenario() -> list[dict[str, Any]]:
        run = service.start_run(agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "x"}])
        await asyncio.sleep(0.1)
        assert service.cancel(agent_id=agent_id) == [run.id]
        return await plain_chunks(service.follow_run(run.id))

    chunks = asyncio.run(scenario())
    assert chunks[-2]["stop_reason"] == "cancelled"
    assert service.runs.get(chunks[-1]["run_id"]).status == "cancelled"


def test_cancel_does_not_wait_for_a_silent_model(tmp_path: Path, model_server: ModelServer) -> None:
    # The model sends nothing for 30 s; a cancel must end the run (and free the conversation)
    # now, not when the first token comes.
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script([Reply(text="too late", delay=30), Reply(text="next turn")])

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        run = service.start_run(agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "x"}])
        while not model_server.requests:
            await asyncio.sleep(0.02)
        assert service.cancel(agent_id=agent_id) == [run.id]
        first = await asyncio.wait_for(plain_chunks(service.follow_run(run.id)), timeout=10)
        return first, await drain(
            service, agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "y"}]
        )

    first, second = asyncio.run(scenario())
    assert first[-2]["stop_reason"] == "cancelled"
    assert [c["content"] for c in second if c["message_type"] == "assistant_message"] == ["next turn"]


def test_resume_replays_from_seq(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    model_server.script([Reply(text="abc def ghi jkl")])

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        run = service.start_run(
            agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "x"}], stream_tokens=True
        )
        everything = await plain_chunks(service.follow_run(run.id))
        later = await plain_chunks(service.follow_run(run.id, starting_after=2))
        return everything, later

    everything, later = asyncio.run(scenario())
    assert later == everything[2:]
    # A new service on the same file (another process) replays from the database.
    again = AgentService(tmp_path / "letta.db", model_server.env())

    async def replay() -> list[dict[str, Any]]:
        return await plain_chunks(again.follow_run(everything[0]["run_id"], starting_after=1))

    assert asyncio.run(replay()) == everything[1:]
