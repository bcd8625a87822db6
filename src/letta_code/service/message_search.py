"""Message search for the REST API (`POST /v1/messages/search`): conversation_search over agents.

It is the `conversation_search` tool's one query and ranking (`SearchStore.search_messages`:
all words first, then any, BM25 over the most recent matches), over one agent or, with
none named, over every agent but the hidden ones (reflection agents and subagents, whose
transcripts repeat their parent's messages), in one query. Tool results are not
searched here: the Letta API's search results have no tool-return type. Dates are
normalised to UTC (a 400 naming the field when they cannot be); the end is inclusive.
"""

from __future__ import annotations

from datetime import datetime

from letta_code.service.store.search import MessageHit, SearchStore
from letta_code.service.store.times import in_utc_or_none

SEARCHED_ROLES = ("user", "assistant", "system")
# How many hits a search gives unless told otherwise (the Letta API's default).
SEARCH_LIMIT = 50


def search_messages(
    search: SearchStore,
    query: str,
    agent_id: str | None,
    conversation_id: str | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[MessageHit]:
    """The messages of the agent (None: every agent not hidden), or of one of its
    conversations, matching `query`, best first; each hit names its agent."""
    return search.search_messages(
        agent_id,
        query,
        roles=SEARCHED_ROLES,
        limit=limit,
        start=in_utc_or_none(start, "start_date"),
        end=in_utc_or_none(end, "end_date"),
        conversation_id=conversation_id,
    )
