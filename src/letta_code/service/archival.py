"""Archival memory through the facade: the rules of `/v1/agents/{id}/archival-memory` over two stores.

The agent must exist (the agent store), the passages are the search store's, and a
passage is the agent's own: one of another agent is a 404, as an unknown one is. The
text of a new passage is checked as the `archival_memory_insert` tool checks it
(`passage_text_problem`), and times are normalised to UTC with a 400 naming the field
when they cannot be (`service/store/times.py`). `AgentService` delegates here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from letta_code.schemas.defaults import DEFAULT_PAGE_SIZE, DEFAULT_TOP_K
from letta_code.service.agent.search_tools import passage_text_problem
from letta_code.service.errors import BadRequestError, NotFoundError
from letta_code.service.store.agents import AgentStore
from letta_code.service.store.passages import PassageRecord
from letta_code.service.store.search import SearchStore
from letta_code.service.store.times import in_utc_or_none

# What a passage added over the API carries in its metadata (the tool's name its call).
API_SOURCE = {"source": "api"}


def add_passage(
    agents: AgentStore,
    search: SearchStore,
    agent_id: str,
    text: str,
    *,
    tags: Sequence[str] | None = None,
    created_at: datetime | None = None,
) -> PassageRecord:
    """A new passage of the agent (empty or over-long text: 400)."""
    agents.get_agent(agent_id)
    problem = passage_text_problem(text, "text")
    if problem is not None:
        raise BadRequestError(problem)
    when = in_utc_or_none(created_at, "created_at")
    return search.insert_passage(agent_id, text, tags=tags, metadata=dict(API_SOURCE), created_at=when)


@dataclass(frozen=True)
class PassagePage:
    """Which page of an agent's passages (date order): cursors are ids in the returned order."""

    limit: int | None = DEFAULT_PAGE_SIZE
    ascending: bool = True
    after: str | None = None
    before: str | None = None
    search: str | None = None  # keep the passages with any of these words


@dataclass(frozen=True)
class PassageSearch:
    """An `archival_memory_search`: made from `start` on, and on or before `end`."""

    query: str = ""
    tags: Sequence[str] = ()
    match_all_tags: bool = False
    top_k: int = DEFAULT_TOP_K
    start: datetime | None = None
    end: datetime | None = None


def list_passages(agents: AgentStore, search: SearchStore, agent_id: str, page: PassagePage) -> list[PassageRecord]:
    """One page of the agent's passages in date order."""
    agents.get_agent(agent_id)
    return search.list_passages(
        agent_id, limit=page.limit, ascending=page.ascending, after=page.after, before=page.before, search=page.search
    )


def delete_passage(agents: AgentStore, search: SearchStore, agent_id: str, passage_id: str) -> None:
    """Delete the agent's passage (unknown, or another agent's: 404)."""
    agents.get_agent(agent_id)
    if search.get_passage(passage_id).agent_id != agent_id:
        raise NotFoundError(f"passage {passage_id} not found")
    search.delete_passage(passage_id)


def search_passages(
    agents: AgentStore, search: SearchStore, agent_id: str, asked: PassageSearch
) -> list[PassageRecord]:
    """The `archival_memory_search` tool's search over the agent's passages."""
    agents.get_agent(agent_id)
    return search.search_passages(
        agent_id,
        asked.query,
        tags=asked.tags,
        match_all_tags=asked.match_all_tags,
        top_k=asked.top_k,
        start=in_utc_or_none(asked.start, "start_datetime"),
        end=in_utc_or_none(asked.end, "end_datetime"),
    )
