"""The store refuses text it could keep but never send on (lone surrogates), naming where."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from letta_code.service.errors import BadRequestError
from letta_code.service.service import AgentService
from letta_code.service.store.models import Message, new_id
from letta_code.service.store.text import check_text

BAD = "caf\udce9"


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (BAD, "x"),
        ([{"type": "text", "text": "ok"}, {"type": "text", "text": BAD}], "x[1].text"),
        ({"tags": ("a", BAD)}, "x.tags[1]"),
        ({BAD: 1}, "a key of x"),
    ],
)
def test_check_text_names_where_the_bad_text_is(value: object, where: str) -> None:
    with pytest.raises(
        BadRequestError, match=r"not valid Unicode text: character 4 is the lone surrogate U\+DCE9"
    ) as info:
        check_text(value, "x")
    assert str(info.value).startswith(f"{where} is not")


@pytest.mark.parametrize("value", ["plain", "café ☕ 𝄞", {"a": [1, None, 2.5, True]}, None, 7])
def test_check_text_lets_good_values_pass(value: object) -> None:
    check_text(value, "x")


def test_block_writes_refuse_bad_text_and_keep_the_block(tmp_path: Path) -> None:
    service = AgentService(tmp_path / "letta.db", {})
    with pytest.raises(BadRequestError, match=r"^block\.value is not valid Unicode"):
        service.agents.create_block("human", BAD)
    assert service.agents.list_blocks() == []
    block = service.agents.create_block("human", "likes tea")
    with pytest.raises(BadRequestError, match=r"^block\.value is not valid Unicode"):
        service.agents.write_block(block.id, BAD)
    with pytest.raises(BadRequestError, match=r"^block\.description is not valid Unicode"):
        service.agents.write_block(block.id, "likes coffee", description=BAD)
    after = service.agents.get_block(block.id)
    assert (after.value, after.version) == ("likes tea", 1)
    assert service.agents.write_block(block.id, "likes café").value == "likes café"  # type: ignore[union-attr]


def test_every_orm_write_passes_the_check(tmp_path: Path) -> None:
    """Messages, agents and conversations written by any path (the loop, the server's routes)."""
    service = AgentService(tmp_path / "letta.db", {})
    agent = service.create_agent(name="a", model="openai/gpt-4.1")
    conv = service.create_conversation(agent.id)
    row = Message(
        id=new_id("message"),
        agent_id=agent.id,
        conversation_id=conv.id,
        role="assistant",
        content=[{"type": "text", "text": BAD}],
    )
    with pytest.raises(BadRequestError, match=r"^message\.content\[0\]\.text is not valid Unicode"):
        service.conversations.add_messages([row])
    with pytest.raises(BadRequestError, match=r"^agent\.tags\[0\] is not valid Unicode"):
        service.agents.update_agent(agent.id, tags=[BAD])
    with pytest.raises(BadRequestError, match=r"^conversation\.summary is not valid Unicode"):
        service.conversations.update(conv.id, summary=BAD)
    assert service.conversations.count_messages(conversation_id=conv.id) == 0
    assert service.get_agent(agent.id).tags == [] and service.conversations.get(conv.id).summary is None


def test_a_statement_that_bypasses_the_checks_is_refused_by_the_driver_in_one_line(tmp_path: Path) -> None:
    service = AgentService(tmp_path / "letta.db", {})
    with (
        service.runs.engine.connect() as conn,
        pytest.raises(BadRequestError, match=r"^a value to store is not valid Unicode"),
    ):
        conn.execute(text("SELECT :v"), {"v": BAD})
