"""A block's history through the facade (`AgentService.block_revisions`, `revert_block`) over a real SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from letta_code.service.errors import BadRequestError, NotFoundError
from letta_code.service.service import AgentService


@pytest.fixture
def service(tmp_path: Path) -> AgentService:
    return AgentService(tmp_path / "letta.db", {})


def edit(service: AgentService, block_id: str, value: str, **fields: Any) -> None:
    block = service.agents.get_block(block_id)
    written = service.agents.write_block(block_id, value, expected_version=block.version, source="test", **fields)
    assert written is not None


def test_each_edit_is_a_revision_with_its_diff_and_a_revert_is_one_more(service: AgentService) -> None:
    block = service.agents.create_block("human", "Likes tea.")
    edit(service, block.id, "Likes coffee.")
    history = service.block_revisions(block.id)
    assert [(e.revision.version, e.revision.new_value) for e in history] == [(2, "Likes coffee.")]
    assert "-Likes tea." in history[0].diff and "+Likes coffee." in history[0].diff

    reverted = service.revert_block(block.id, 1)
    assert (reverted.value, reverted.version) == ("Likes tea.", 3)
    assert service.block_revisions(block.id)[-1].revision.source == "revert to rev 1"


def test_reverting_to_the_value_the_block_has_changes_nothing(service: AgentService) -> None:
    block = service.agents.create_block("human", "Likes tea.")
    edit(service, block.id, "Likes coffee.")
    edit(service, block.id, "Likes tea.")  # rev 3 has the value of rev 1 again
    for version in (3, 1):
        same = service.revert_block(block.id, version)
        assert (same.value, same.version) == ("Likes tea.", 3)
    assert [e.revision.version for e in service.block_revisions(block.id)] == [2, 3]


def test_unknown_version_or_a_value_over_the_lowered_limit_is_refused(service: AgentService) -> None:
    block = service.agents.create_block("notes", "x" * 50)
    edit(service, block.id, "short", limit=10)
    with pytest.raises(BadRequestError, match="over the block's limit of 10"):
        service.revert_block(block.id, 1)
    with pytest.raises(NotFoundError, match="has no revision 9"):
        service.revert_block(block.id, 9)
    with pytest.raises(NotFoundError):
        service.block_revisions("block-nope")
    assert service.agents.get_block(block.id).value == "short"
