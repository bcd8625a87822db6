"""Runs: list, status, usage, messages, and the resumable stream."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from letta_code.server.common import (
    Limit,
    Order,
    QueryList,
    Router,
    check_order,
    flat,
    page,
    service_of,
)
from letta_code.server.requests import StreamRequest
from letta_code.server.turns import follow_stream
from letta_code.server.views import message_views, run_view

router = Router(prefix="/v1", tags=["runs"])
ACTIVE = ["created", "running"]


@router.get("/runs", summary="List runs")
async def list_runs(
    request: Request,
    agent_id: str | None = None,
    agent_ids: QueryList = None,
    conversation_id: str | None = None,
    statuses: QueryList = None,
    active: bool = False,
    background: bool | None = None,
    stop_reason: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = 100,
    order: Order = "desc",
) -> list[dict[str, Any]]:
    service = service_of(request)
    wanted_statuses = ACTIVE if active else flat(statuses)
    agent_ids = flat(agent_ids)
    runs = service.runs.list(
        agent_id=agent_id, conversation_id=conversation_id, statuses=wanted_statuses, limit=100_000
    )
    if agent_ids:
        runs = [r for r in runs if r.agent_id in agent_ids]
    if background is not None:
        runs = [r for r in runs if r.background == background]
    if stop_reason:
        runs = [r for r in runs if r.stop_reason == stop_reason]
    oldest_first = list(reversed(runs))
    chosen = page(oldest_first, lambda r: r.id, after=after, before=before, limit=limit, order=check_order(order))
    return [run_view(r) for r in chosen]


@router.get("/runs/{run_id}", summary="Retrieve a run")
async def retrieve_run(run_id: str, request: Request) -> dict[str, Any]:
    return run_view(service_of(request).runs.get(run_id))


@router.get("/runs/{run_id}/usage", summary="A run's token usage")
async def run_usage(run_id: str, request: Request) -> dict[str, Any]:
    usage = service_of(request).runs.get(run_id).usage
    view: dict[str, Any] = {k: usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
    cached, written = usage.get("cached_input_tokens"), usage.get("cache_write_tokens")
    if cached is not None or written is not None:
        view["prompt_tokens_details"] = {
            "cached_tokens": cached,
            "cache_read_tokens": cached,
            "cache_creation_tokens": written,
        }
    return view


@router.get("/runs/{run_id}/messages", summary="The messages a run stored")
async def run_messages(
    run_id: str,
    request: Request,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = 100,
    order: Order = "asc",
) -> list[dict[str, Any]]:
    service = service_of(request)
    run = service.runs.get(run_id)
    rows = service.conversations.list_messages(conversation_id=run.conversation_id, limit=100_000)
    views = message_views([row for row in rows if row.run_id == run_id])
    return page(views, lambda v: str(v["id"]), after=after, before=before, limit=limit, order=check_order(order))


@router.post("/runs/{run_id}/stream", summary="Replay a run's stream after starting_after, then follow it")
async def stream_run(run_id: str, request: Request, body: StreamRequest | None = None) -> Response:
    body = body or StreamRequest()
    return follow_stream(
        request, service_of(request), run_id, starting_after=body.starting_after, include_pings=body.include_pings
    )
