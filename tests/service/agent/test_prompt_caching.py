"""Prompt caching through the real step loop: prompt order, Anthropic cache breakpoints,
a system prompt that stays the same between steps, and cached tokens in the usage chunk."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from letta_code.schemas.state import BlockState
from letta_code.service.agent.prompt import compile_system_parts
from letta_code.service.service import AgentService
from letta_code.testing import ModelServer, Reply, text_of
from tests.conftest import plain_chunks

INSTRUCTIONS = "You are a careful coding agent. Stable instructions."
CACHE = {"type": "ephemeral"}


def setup(tmp_path: Path, server: ModelServer, model: str) -> tuple[AgentService, str]:
    service = AgentService(tmp_path / "letta.db", server.env())
    human = service.agents.create_block("human", "The user is Ada.")
    agent = service.create_agent(
        name="c", model=model, system=INSTRUCTIONS, block_ids=[human.id], tools=["conversation_search"]
    )
    return service, agent.id


def say(service: AgentService, agent_id: str, text: str) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        run = service.start_run(agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": text}])
        return await plain_chunks(service.follow_run(run.id))

    return asyncio.run(go())


def without_breakpoints(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turns with the cache breakpoints removed (they move to the newest turn every step)."""
    return [
        {**t, "content": [{k: v for k, v in b.items() if k != "cache_control"} for b in t["content"]]} for t in turns
    ]


def usage_of(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in chunks if c["message_type"] == "usage_statistics")


def test_anthropic_gets_stable_instructions_first_with_a_breakpoint_and_reports_cache_use(
    tmp_path: Path, model_server: ModelServer
) -> None:
    service, agent_id = setup(tmp_path, model_server, "anthropic/claude-sonnet-4-5")
    model_server.script(
        [
            Reply(tool_calls=[("conversation_search", {"query": "parser"})], cached_tokens=0, cache_write_tokens=300),
            Reply(text="Nothing found.", cached_tokens=300, cache_write_tokens=40),
        ]
    )
    chunks = say(service, agent_id, "did we talk about the parser?")
    assert chunks[-2]["stop_reason"] == "end_turn"
    first, second = model_server.model_requests
    for req in (first, second):
        stable, memory = req["system"]
        assert stable == {"type": "text", "text": INSTRUCTIONS, "cache_control": CACHE}
        assert memory["text"].startswith("<memory_blocks>") and "The user is Ada." in memory["text"]
        assert memory["cache_control"] == CACHE
        assert req["messages"][-1]["content"][-1]["cache_control"] == CACHE  # the newest turn
        assert all("cache_control" not in t for t in req["tools"])  # covered by the system breakpoint
    # Nothing before the history changed between the two steps, and the second step's
    # history extends the first's: up to the newest turn, its prompt is a cache hit.
    assert first["system"] == second["system"] and first["tools"] == second["tools"]
    assert without_breakpoints(second["messages"][: len(first["messages"])]) == without_breakpoints(first["messages"])
    usage = usage_of(chunks)
    assert usage["step_count"] == 2
    assert usage["cached_input_tokens"] == 300 and usage["cache_write_tokens"] == 340
    assert usage["prompt_tokens"] >= 340
    run = service.runs.get(usage["run_ids"][0])
    assert run.usage["cached_input_tokens"] == 300


def test_openai_gets_one_system_message_and_cached_tokens_are_summed(tmp_path: Path, model_server: ModelServer) -> None:
    service, agent_id = setup(tmp_path, model_server, "openai/gpt-4.1")
    model_server.script(
        [
            Reply(tool_calls=[("conversation_search", {"query": "parser"})], cached_tokens=0),
            Reply(text="Nothing found.", cached_tokens=1024),
        ]
    )
    chunks = say(service, agent_id, "did we talk about the parser?")
    first, second = model_server.model_requests
    for req in (first, second):
        systems = [m for m in req["messages"] if m["role"] == "system"]
        assert len(systems) == 1 and req["messages"][0] is systems[0]
        text = text_of(systems[0]["content"])
        assert text.startswith(INSTRUCTIONS + "\n\n<memory_blocks>")
        assert text.index("The user is Ada.") > text.index(INSTRUCTIONS)
    assert first["messages"][0] == second["messages"][0]
    usage = usage_of(chunks)
    assert usage["cached_input_tokens"] == 1024 and "cache_write_tokens" not in usage


def test_no_cache_fields_when_the_provider_reports_none(tmp_path: Path, model_server: ModelServer) -> None:
    service, agent_id = setup(tmp_path, model_server, "openai/gpt-4.1")
    model_server.script([Reply(text="hi")])
    usage = usage_of(say(service, agent_id, "hello"))
    assert "cached_input_tokens" not in usage and "cache_write_tokens" not in usage


def test_the_system_prompt_stays_the_same_from_turn_to_turn(tmp_path: Path, model_server: ModelServer) -> None:
    service, agent_id = setup(tmp_path, model_server, "anthropic/claude-sonnet-4-5")
    model_server.script([Reply(text="one"), Reply(text="two")])
    say(service, agent_id, "first")
    say(service, agent_id, "second")
    first, second = model_server.model_requests
    assert first["system"] == second["system"]
    # the second request extends the first: the same prefix, then the new turn
    assert without_breakpoints(second["messages"][:1]) == without_breakpoints(first["messages"])


@pytest.mark.parametrize("total", [3, 40])
def test_compile_system_parts_orders_instructions_before_memory(total: int) -> None:
    block = BlockState(id="block-1", label="project", value="Rule: run ruff.", limit=100)
    now = datetime(2026, 3, 2, 15, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    stable, memory = compile_system_parts("  Base.  ", [block], context_messages=3, total_messages=total, now=now)
    assert stable == "Base."
    assert memory.startswith("<memory_blocks>") and "<project>" in memory and "Rule: run ruff." in memory
    assert "Monday, March 02, 2026 (2026-03-02, UTC+02:00)" in memory
    assert "15:04" not in memory  # no clock: the prompt must not change from one step to the next
    assert f"- {total - 3} earlier messages" in memory
