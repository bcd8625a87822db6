"""An agent's messages (its default conversation): send, stream, list, cancel, summarize, reset; search."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from letta_code.server.common import (
    Limit,
    Order,
    QueryList,
    Router,
    check_model,
    check_order,
    flat,
    resolve_conversation,
    service_of,
)
from letta_code.server.requests import CancelRequest, CompactRequest, MessageRequest, MessageSearchRequest
from letta_code.server.routes.agents import render
from letta_code.server.turns import send_messages
from letta_code.server.views import message_hit_view, message_views, run_view
from letta_code.service.service import AgentService

router = Router(prefix="/v1", tags=["messages"])


def list_messages(
    service: AgentService,
    conversation_id: str,
    *,
    limit: int | None,
    after: str | None,
    before: str | None,
    order: str,
    types: list[str] | None = None,
) -> list[dict[str, Any]]:
    """A conversation's messages as Letta message views; cursors are message ids."""
    ascending = check_order(order) == "asc"
    conversations = service.conversations
    after_seq = conversations.seq_of(after) if after else None
    before_seq = conversations.seq_of(before) if before else None
    if not ascending:  # "after" follows the requested order
        after_seq, before_seq = before_seq, after_seq
    rows = conversations.list_messages(
        conversation_id=conversation_id,
        limit=limit if limit is not None else 1000,
        after_seq=after_seq,
        before_seq=before_seq,
        ascending=ascending,
    )
    views = message_views(rows if ascending else list(reversed(rows)))
    if not ascending:
        views.reverse()
    wanted = flat(types)
    if wanted:
        views = [v for v in views if v.get("message_type") in wanted]
    return views


@router.post("/agents/{agent_id}/messages", summary="Send messages to an agent")
async def create_message(agent_id: str, body: MessageRequest, request: Request) -> Response:
    return await send_messages(
        request, service_of(request), body, agent_id=agent_id, conversation_id=None, stream=bool(body.streaming)
    )


@router.post("/agents/{agent_id}/messages/stream", summary="Send messages and stream the run (SSE)")
async def stream_message(agent_id: str, body: MessageRequest, request: Request) -> Response:
    return await send_messages(request, service_of(request), body, agent_id=agent_id, conversation_id=None, stream=True)


@router.post("/agents/{agent_id}/messages/async", summary="Start a background run; returns the run")
async def create_message_async(agent_id: str, body: MessageRequest, request: Request) -> dict[str, Any]:
    service = service_of(request)
    if body.override_model:
        check_model(body.override_model)
    run = service.start_run(
        agent_id=agent_id,
        conversation_id=None,
        messages=body.input_messages(),
        client_tools=[t.spec() for t in body.client_tools or []],
        max_steps=body.max_steps,
        background=True,
        override_model=body.override_model,
    )
    return run_view(run)


@router.get("/agents/{agent_id}/messages", summary="List an agent's messages")
async def list_agent_messages(
    agent_id: str,
    request: Request,
    conversation_id: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = 100,
    order: Order = "desc",
    include_return_message_types: QueryList = None,
) -> list[dict[str, Any]]:
    service = service_of(request)
    conv = resolve_conversation(service, conversation_id or "default", agent_id)
    return list_messages(
        service, conv.id, limit=limit, after=after, before=before, order=order, types=include_return_message_types
    )


@router.post("/agents/{agent_id}/messages/cancel", summary="Cancel an agent's running runs")
async def cancel_agent_runs(agent_id: str, request: Request, body: CancelRequest | None = None) -> dict[str, Any]:
    run_ids = body.run_ids if body else None
    cancelled = service_of(request).cancel(agent_id=agent_id, run_ids=run_ids)
    return {"cancelled_runs": cancelled}


@router.post("/agents/{agent_id}/summarize", summary="Summarize the older messages of the agent's default conversation")
async def summarize_agent_messages(
    agent_id: str, request: Request, body: CompactRequest | None = None
) -> dict[str, Any]:
    service = service_of(request)
    conv = resolve_conversation(service, "default", agent_id)
    return dict(await service.compact_report(conv.id))


@router.patch("/agents/{agent_id}/reset-messages", summary="Clear the agent's context window")
async def reset_messages(agent_id: str, request: Request) -> dict[str, Any]:
    service = service_of(request)
    conv = resolve_conversation(service, "default", agent_id)
    service.conversations.clear_context(conv.id)
    return render(service, service.get_agent(agent_id))


@router.get("/messages/{message_id}", summary="Retrieve a message (as its Letta message views)")
async def retrieve_message(message_id: str, request: Request) -> list[dict[str, Any]]:
    return message_views([service_of(request).conversations.get_message(message_id)])


@router.post("/messages/search", summary="Search messages (conversation_search) of an agent, a conversation or all")
async def search_messages(body: MessageSearchRequest, request: Request) -> list[dict[str, Any]]:
    found = service_of(request).search_messages(
        body.query,
        agent_id=body.agent_id,
        conversation_id=body.conversation_id,
        start=body.start_date,
        end=body.end_date,
        limit=body.limit,
    )
    return [message_hit_view(hit) for hit in found]
