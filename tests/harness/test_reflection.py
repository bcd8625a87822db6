"""Reflection passes through the Backend, on both transports: what a pass's request carries,
the edit it makes (attributed to reflection), when one is due, and the line the TUI shows."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from letta_code.client.backend import Backend
from letta_code.config.settings import ReflectionSettings
from letta_code.harness.reflection import BlockChange, ReflectionOutcome, Reflector, block_changes
from letta_code.harness.turn import TurnRunner
from letta_code.schemas.state import BlockState
from letta_code.testing import ModelServer, Reply
from tests.conftest import BackendFactory
from tests.harness.test_turn import Harness

LESSON = "Use `make check`, never `pytest` directly, in this repo."


def _edit(label: str, text: str) -> Reply:
    return Reply(tool_calls=[("memory_insert", {"label": label, "new_str": text})])


def _system(request: dict[str, Any]) -> str:
    return "\n".join(str(m["content"]) for m in request["messages"] if m["role"] == "system")


async def _session(backend: Backend, tmp: Any, turns: int, server: ModelServer) -> tuple[TurnRunner, str]:
    harness = Harness(backend, tmp)
    runner = await harness.runner([])
    project = await backend.create_block("project", "(Nothing known about this project yet.)")
    conv = await backend.find_conversation(runner.conversation_id)
    assert conv is not None
    await backend.attach_block(conv.agent_id, project.id)
    server.script([f"ok {i}" for i in range(turns)])
    for i in range(turns):
        await runner.run(LESSON if i == 0 else f"turn {i}")
    return runner, conv.agent_id


def test_reflect_now_reviews_the_transcript_and_edits_memory_as_reflection(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Any
) -> None:
    async def go() -> None:
        backend = make_backend()
        _, agent_id = await _session(backend, tmp_path, 2, model_server)
        before = len(model_server.model_requests)
        model_server.script([_edit("project", "- run `make check`, not pytest"), "Added the test command."])
        reflector = Reflector(backend, lambda: agent_id, ReflectionSettings(every=0))
        outcome = await reflector.reflect_now()
        assert outcome.error is None
        assert outcome.summary() == "memory updated by reflection: project +1 line — /memory to see"
        first = model_server.model_requests[before]
        user = [m for m in first["messages"] if m["role"] == "user"]
        assert len(user) == 1 and LESSON in str(user[0]["content"]) and "turn 1" in str(user[0]["content"])
        assert "(Nothing known about this project yet.)" in _system(first)  # the current blocks
        tools = {t["function"]["name"] for t in first["tools"]}
        assert tools == {"memory_insert", "memory_replace", "memory_rethink"}
        agent = await backend.find_agent(agent_id)
        assert agent is not None
        project = next(b for b in agent.blocks if b.label == "project")
        assert "- run `make check`, not pytest" in project.value
        # Nothing new since: no request, and the outcome says so.
        count = len(model_server.model_requests)
        again = await reflector.reflect_now()
        assert again.started is None and len(model_server.model_requests) == count
        assert "nothing new" in again.summary()
        await backend.close()

    asyncio.run(go())


def test_a_second_pass_carries_only_the_turns_since_the_first(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Any
) -> None:
    async def go() -> None:
        backend = make_backend()
        runner, agent_id = await _session(backend, tmp_path, 1, model_server)
        reflector = Reflector(backend, lambda: agent_id, ReflectionSettings(every=0))
        model_server.script(["nothing to keep"])
        await reflector.reflect_now()
        model_server.script(["ok"])
        await runner.run("the second lesson")
        model_server.script(["nothing to keep"])
        await reflector.reflect_now()
        last = model_server.last_request()
        text = json.dumps(last["messages"])
        assert "the second lesson" in text and LESSON not in text
        await backend.close()

    asyncio.run(go())


def test_after_turn_starts_a_pass_only_when_due_and_reports_it(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Any
) -> None:
    async def go() -> None:
        backend = make_backend()
        _, agent_id = await _session(backend, tmp_path, 2, model_server)
        seen: list[ReflectionOutcome] = []
        reflector = Reflector(backend, lambda: agent_id, ReflectionSettings(every=3), seen.append)
        assert await backend.reflection_pending(agent_id) == 2
        assert not await reflector.due()
        count = len(model_server.model_requests)
        assert await reflector.after_turn() is False and len(model_server.model_requests) == count
        reflector.settings = ReflectionSettings(every=2)
        model_server.script([_edit("human", "- prefers make check"), "done"])
        assert await reflector.due()
        assert await reflector.after_turn() is True
        await reflector.wait()
        assert [o.summary() for o in seen] == ["memory updated by reflection: human +1 line — /memory to see"]
        assert await backend.reflection_pending(agent_id) == 0
        await backend.close()

    asyncio.run(go())


def test_block_changes_count_lines_and_skip_unchanged_blocks() -> None:
    before = [BlockState(id="b1", label="project", value="a\nb"), BlockState(id="b2", label="human", value="x")]
    after = [BlockState(id="b1", label="project", value="a\nc\nd"), BlockState(id="b2", label="human", value="x")]
    assert block_changes(before, after) == [BlockChange("project", 2, 1)]
    assert BlockChange("project", 2, 1).describe() == "project +2/-1 lines"


def test_a_pass_runs_on_the_reflection_model_and_leaves_the_agents_own(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Any
) -> None:
    async def go() -> None:
        backend = make_backend()
        _, agent_id = await _session(backend, tmp_path, 1, model_server)
        model_server.script(["nothing to keep"])
        reflector = Reflector(backend, lambda: agent_id, ReflectionSettings(every=0, model="openai/gpt-4.1-mini"))
        assert (await reflector.reflect_now()).error is None
        assert model_server.last_request()["model"] == "gpt-4.1-mini"
        assert model_server.model_requests[0]["model"] == "gpt-4.1"
        agent = await backend.find_agent(agent_id)
        assert agent is not None and agent.model == "openai/gpt-4.1"
        await backend.close()

    asyncio.run(go())
