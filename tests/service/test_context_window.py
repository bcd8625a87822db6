"""The next request of a conversation, part by part (`AgentService.context_overview`), over a real SQLite file.

No model call has calibrated the estimate here (one token is four characters), so every
part is exact and the parts add up to the loop's own estimate of the whole request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from letta_code.service.service import AgentService
from letta_code.service.store.models import Message, new_id

SUMMARY = "The user asked for a haiku about herons, then for one about tea."


@pytest.fixture
def service(tmp_path: Path) -> AgentService:
    return AgentService(tmp_path / "letta.db", {})


def tokens(text: str) -> int:
    return (len(text) + 3) // 4


def add(service: AgentService, agent_id: str, role: str, text: str, **part: bool) -> None:
    conv = service.conversations.default_for(agent_id).id
    message = Message(
        id=new_id("message"),
        agent_id=agent_id,
        conversation_id=conv,
        role=role,
        content=[{"type": "text", "text": text, **part}],
        created_at=datetime.now(UTC),
    )
    service.conversations.add_messages([message])


def test_a_new_agent_is_its_instructions_memory_and_tools(service: AgentService) -> None:
    human = service.agents.create_block("human", "Likes tea.")
    agent = service.create_agent(name="a", model="openai/gpt-4.1", block_ids=[human.id])
    overview = service.context_overview(service.conversations.default_for(agent.id).id)
    assert (overview.system_tokens, overview.core_memory_tokens) == (
        tokens(overview.system_prompt),
        tokens(overview.core_memory),
    )
    assert "<human>" in overview.core_memory and "Likes tea." in overview.core_memory
    assert (overview.num_messages, overview.messages_tokens, overview.summary, overview.summary_tokens) == (
        0,
        0,
        None,
        0,
    )
    assert {f.name for f in overview.functions} >= {"memory_replace", "conversation_search"}
    assert not any(f.client for f in overview.functions)
    assert [b.label for b in overview.blocks] == ["human"] and overview.blocks[0].chars == len("Likes tea.")


def test_a_summary_is_sized_on_its_own_and_the_parts_are_the_loops_estimate(service: AgentService) -> None:
    agent = service.create_agent(name="a", model="openai/gpt-4.1")
    add(service, agent.id, "system", SUMMARY, summary=True)
    add(service, agent.id, "user", "And one about the sea?")
    conv = service.conversations.default_for(agent.id).id
    overview = service.context_overview(conv)
    assert overview.summary is not None and SUMMARY in overview.summary
    assert overview.summary_tokens == tokens(SUMMARY) + 4  # its text and the framing of a message
    assert overview.num_messages == 1 and overview.messages_tokens == tokens("And one about the sea?") + 4
    assert overview.total == service.prompt_estimate(conv)
    assert (overview.num_archival, overview.num_recall) == (0, 2)
