"""Block history: every change to a block, for `letta memory log/diff/revert`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from letta_code.service.store.models import BlockRevision


@dataclass
class Revision:
    version: int
    old_value: str
    new_value: str
    agent_id: str | None
    conversation_id: str | None
    source: str
    created_at: datetime


class RevisionStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def for_block(self, block_id: str) -> list[Revision]:
        with self.sessions() as session:
            rows = session.scalars(
                select(BlockRevision).where(BlockRevision.block_id == block_id).order_by(BlockRevision.version)
            )
            return [
                Revision(r.version, r.old_value, r.new_value, r.agent_id, r.conversation_id, r.source, r.created_at)
                for r in rows
            ]

    def value_at(self, block_id: str, version: int, current: str, current_version: int) -> str | None:
        """The block's value right after `version` (None if that version never existed)."""
        revisions = self.for_block(block_id)
        if version == current_version:
            return current
        for rev in revisions:
            if rev.version == version:
                return rev.new_value
        # A version without a revision row is one where only other fields changed:
        # its value is the old value of the next revision, or the current value.
        later = [r for r in revisions if r.version > version]
        if 1 <= version < current_version:
            return later[0].old_value if later else current
        return None
