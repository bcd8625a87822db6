"""An agent's archival memory: list, add, delete and search its passages.

The rules are the facade's (`AgentService.add_passage` and its siblings,
`service/archival.py`): the checks of the `archival_memory_insert` tool, the search of
`archival_memory_search` (`SearchStore.search_passages`: full-text, BM25, tags), so the
page and the agent find the same entries; a passage of another agent is a 404, as an
unknown one is. The list is one keyset query per page, in date order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from pydantic import BeforeValidator

from letta_code.schemas.defaults import DEFAULT_PAGE_SIZE, DEFAULT_TOP_K
from letta_code.server.common import MAX_INT, Limit, QueryList, Router, flat, service_of
from letta_code.server.requests import PassageCreate
from letta_code.server.views import passage_hit_view, passage_view
from letta_code.service.archival import PassagePage, PassageSearch
from letta_code.service.store.times import end_of_day

router = Router(prefix="/v1", tags=["archival memory"])
TopK = Annotated[int | None, Query(ge=1, le=MAX_INT, description="At most this many results")]
# "On or before"; a bare date (2025-01-31) is the whole of that day.
EndQuery = Annotated[datetime | None, BeforeValidator(end_of_day), Query(description="Only passages made on or before")]


@router.get("/agents/{agent_id}/archival-memory", summary="List an agent's archival memory passages")
async def list_passages(
    agent_id: str,
    request: Request,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    ascending: bool = True,
    search: str | None = None,
) -> list[dict[str, Any]]:
    page = PassagePage(limit=limit, ascending=ascending, after=after, before=before, search=search)
    return [passage_view(p) for p in service_of(request).list_passages(agent_id, page)]


@router.post("/agents/{agent_id}/archival-memory", summary="Add a passage to an agent's archival memory")
async def create_passage(agent_id: str, body: PassageCreate, request: Request) -> list[dict[str, Any]]:
    passage = service_of(request).add_passage(agent_id, body.text, tags=body.tags, created_at=body.created_at)
    return [passage_view(passage)]


@router.get("/agents/{agent_id}/archival-memory/search", summary="Search an agent's archival memory")
async def search_passages(
    agent_id: str,
    request: Request,
    query: str = "",
    tags: QueryList = None,
    tag_match_mode: Literal["any", "all"] = "any",
    top_k: TopK = None,
    start_datetime: datetime | None = None,
    end_datetime: EndQuery = None,
) -> dict[str, Any]:
    asked = PassageSearch(
        query=query,
        tags=flat(tags) or (),
        match_all_tags=tag_match_mode == "all",
        top_k=top_k or DEFAULT_TOP_K,
        start=start_datetime,
        end=end_datetime,
    )
    found = service_of(request).search_passages(agent_id, asked)
    return {"count": len(found), "results": [passage_hit_view(p) for p in found]}


@router.delete("/agents/{agent_id}/archival-memory/{memory_id}", summary="Delete a passage of archival memory")
async def delete_passage(agent_id: str, memory_id: str, request: Request) -> dict[str, Any]:
    service_of(request).delete_passage(agent_id, memory_id)
    return {"id": memory_id, "deleted": True}
