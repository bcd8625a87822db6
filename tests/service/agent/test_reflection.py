"""Reflection passes in the service: the hidden reflection agent, the transcript (capped,
since the last pass, across conversations), blocks named for consolidation, and the
revision source."""

from __future__ import annotations

import asyncio
from pathlib import Path

from letta_code.schemas.state import NewBlock
from letta_code.service.agent.reflection import MAX_TRANSCRIPT_CHARS, render_transcript
from letta_code.service.service import AgentService
from letta_code.service.store.models import Message
from letta_code.service.store.revisions import RevisionStore
from letta_code.testing import ModelServer, Reply
from tests.conftest import plain_chunks


def _service(tmp_path: Path, model_server: ModelServer) -> tuple[AgentService, str]:
    service = AgentService(tmp_path / "letta.db", model_server.env())
    agent = service.create_agent(
        name="a",
        model="openai/gpt-4.1",
        memory_blocks=[NewBlock("project", "x" * 850, limit=1000), NewBlock("human", "likes tabs")],
    )
    return service, agent.id


async def _turn(service: AgentService, agent_id: str, text: str, conversation_id: str | None = None) -> None:
    run = service.start_run(
        agent_id=agent_id, conversation_id=conversation_id, messages=[{"role": "user", "content": text}]
    )
    await plain_chunks(service.follow_run(run.id))


def test_a_pass_edits_the_shared_block_as_reflection_and_reviews_every_conversation(
    tmp_path: Path, model_server: ModelServer
) -> None:
    async def go() -> None:
        service, agent_id = _service(tmp_path, model_server)
        other = service.create_conversation(agent_id)
        model_server.script(["ok", "ok"])
        await _turn(service, agent_id, "first lesson")
        await _turn(service, agent_id, "second lesson", other.id)
        assert service.reflections.pending_turns(agent_id) == 2
        model_server.script(
            [Reply(tool_calls=[("memory_rethink", {"label": "project", "new_memory": "short"})]), "condensed"]
        )
        started = service.reflect(agent_id, min_user_turns=2)
        assert started is not None and started.user_turns == 2
        await plain_chunks(service.follow_run(started.run_id))
        request = model_server.model_requests[2]
        text = str(request["messages"])
        assert "first lesson" in text and "second lesson" in text
        assert "past 80% of their limit" in text and "project (850/1000 characters)" in text
        assert "human (" not in text.split("</transcript>")[1]
        parent = service.get_agent(agent_id)
        project = next(b for b in parent.blocks if b.label == "project")
        assert project.value == "short"
        revisions = RevisionStore(service.agents.sessions).for_block(project.id)
        assert revisions[-1].source == "reflection"
        reflector = service.get_agent(started.reflection_agent_id)
        assert {"hidden", "reflection", f"parent:{agent_id}"} <= set(reflector.tags)
        assert {b.id for b in parent.blocks} == {b.id for b in reflector.blocks}
        assert service.reflections.pending_turns(agent_id) == 0
        assert service.reflect(agent_id) is None  # nothing new
        # An ordinary agent's edit keeps its tool name as the source.
        model_server.script([Reply(tool_calls=[("memory_insert", {"label": "human", "new_str": "x"})]), "ok"])
        await _turn(service, agent_id, "note it")
        human = next(b for b in service.get_agent(agent_id).blocks if b.label == "human")
        assert RevisionStore(service.agents.sessions).for_block(human.id)[-1].source == "memory_insert"

    asyncio.run(go())


def test_the_transcript_keeps_the_newest_messages_under_the_cap() -> None:
    def message(seq: int, role: str, text: str) -> Message:
        return Message(
            seq=seq,
            id=f"m{seq}",
            agent_id="a",
            conversation_id="c",
            role=role,
            content=[{"type": "text", "text": text}],
        )

    messages = [message(i, "user" if i % 2 else "assistant", f"{i}:" + "y" * 1500) for i in range(1, 61)]
    transcript = render_transcript(messages)
    assert len(transcript.text) <= MAX_TRANSCRIPT_CHARS + 200
    assert transcript.omitted > 0 and transcript.text.startswith(f"[{transcript.omitted} older messages left out]")
    assert "60:" in transcript.text and "\nuser: 1:" not in transcript.text
    assert transcript.through_seq == 60
    assert transcript.messages + transcript.omitted == 60


def test_tool_calls_and_results_are_named_and_clipped() -> None:
    call = Message(
        seq=1,
        id="m1",
        agent_id="a",
        conversation_id="c",
        role="assistant",
        content=[],
        tool_calls=[{"id": "t1", "name": "Bash", "arguments": '{"command": "pytest"}', "client": True}],
    )
    result = Message(
        seq=2,
        id="m2",
        agent_id="a",
        conversation_id="c",
        role="tool",
        content=[{"type": "text", "text": "E" * 1000}],
        tool_call_id="t1",
        tool_status="error",
    )
    text = render_transcript([call, result]).text
    assert 'assistant called Bash({"command": "pytest"})' in text
    assert "Bash returned (error): " + "E" * 400 + "… [600 more characters]" in text
