"""A block's history: its revisions with their diffs, and setting it back to a revision.

One copy of each for `letta memory log/diff/revert` and the REST routes
`GET /v1/blocks/{id}/revisions`, `POST /v1/blocks/{id}/revert` (`AgentService`
calls these). A revert is an ordinary compare-and-set write, so it is recorded as a
new revision and never loses an edit made meanwhile.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from letta_code.schemas.state import BlockState
from letta_code.service.errors import BadRequestError, ConflictError, NotFoundError
from letta_code.service.store.agents import AgentStore
from letta_code.service.store.revisions import Revision, RevisionStore

NO_NEWLINE = "\\ No newline at end of file\n"
WRITE_ATTEMPTS = 20


@dataclass
class RevisionDiff:
    """One revision of a block and what it changed, as a unified diff."""

    revision: Revision
    diff: str


def mark_missing_newlines(lines: Iterable[str]) -> Iterator[str]:
    """A unified diff's lines, each ended; a line the value did not end (its last) is
    followed by diff's own marker, so "abc" and "abc\\n" differ visibly."""
    for line in lines:
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n"
            yield NO_NEWLINE


def unified_diff(label: str, revision: Revision) -> str:
    """What `revision` changed, from `label@N-1` to `label@N`."""
    lines = difflib.unified_diff(
        revision.old_value.splitlines(keepends=True),
        revision.new_value.splitlines(keepends=True),
        f"{label}@{revision.version - 1}",
        f"{label}@{revision.version}",
    )
    return "".join(mark_missing_newlines(lines))


def block_revisions(agents: AgentStore, revisions: RevisionStore, block_id: str) -> list[RevisionDiff]:
    """Every change of the block's value, oldest first (404 for an unknown block)."""
    block = agents.get_block(block_id)
    return [RevisionDiff(rev, unified_diff(block.label, rev)) for rev in revisions.for_block(block_id)]


def revert_block(agents: AgentStore, revisions: RevisionStore, block_id: str, version: int) -> BlockState:
    """Set the block's value back to what it was right after `version`, as a new revision.

    A block that already has that value is returned as it is (no new revision). An
    unknown block or version is a 404; a value over the block's (since lowered)
    limit a 400; a block that keeps changing meanwhile a 409.
    """
    for _ in range(WRITE_ATTEMPTS):
        block = agents.get_block(block_id)
        value = revisions.value_at(block_id, version, block.value, block.version)
        if value is None:
            raise NotFoundError(f"block '{block.label}' has no revision {version}")
        if value == block.value:
            return block  # already that value: nothing to write, no new revision
        if len(value) > block.limit:
            raise BadRequestError(
                f"block '{block.label}': its value at revision {version} ({len(value)} characters) is over "
                f"the block's limit of {block.limit}"
            )
        written = agents.write_block(block_id, value, expected_version=block.version, source=f"revert to rev {version}")
        if written is not None:
            return written
    raise ConflictError(f"block {block_id} kept changing while it was being reverted; try again")
