"""Conversations: parallel message threads of one agent that share its memory blocks.

The id `default` together with `agent_id` names the agent's primary history.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from letta_code.schemas.defaults import DEFAULT_PAGE_SIZE
from letta_code.server.common import (
    Limit,
    Order,
    QueryList,
    Router,
    check_model,
    check_order,
    page,
    resolve_conversation,
    service_of,
)
from letta_code.server.requests import (
    CompactRequest,
    ConversationCreate,
    ConversationUpdate,
    MessageRequest,
    StreamRequest,
)
from letta_code.server.routes.messages import list_messages
from letta_code.server.turns import follow_stream, send_messages
from letta_code.server.views import conversation_view, pending_view
from letta_code.service.errors import NotFoundError

router = Router(prefix="/v1", tags=["conversations"])


@router.post("/conversations", summary="Create a conversation for an agent")
async def create_conversation(
    request: Request, agent_id: str, body: ConversationCreate | None = None
) -> dict[str, Any]:
    body = body or ConversationCreate()
    if body.model:
        check_model(body.model)
    conv = service_of(request).create_conversation(
        agent_id, summary=body.summary, model=body.model, context_window_limit=body.context_window_limit
    )
    return conversation_view(conv)


@router.get("/conversations", summary="List conversations")
async def list_conversations(
    request: Request,
    agent_id: str | None = None,
    after: str | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: Order = "desc",
    include_default: bool = False,  # ours: also the agents' default histories
) -> list[dict[str, Any]]:
    # The store lists newest activity first; `page` wants oldest first. Letta clients show the
    # default history apart (the official CLI adds its own row for it), so it is left out.
    convs = [
        c for c in reversed(service_of(request).conversations.list(agent_id)) if include_default or not c.is_default
    ]
    chosen = page(convs, lambda c: c.id, after=after, limit=limit, order=check_order(order))
    return [conversation_view(c) for c in chosen]


@router.get("/conversations/{conversation_id}", summary="Retrieve a conversation")
async def retrieve_conversation(conversation_id: str, request: Request, agent_id: str | None = None) -> dict[str, Any]:
    service = service_of(request)
    conv = resolve_conversation(service, conversation_id, agent_id)
    return conversation_view(
        conv,
        pending_view(service.conversations.pending_approval(conv.id)),
        with_pending=True,
        in_context=service.conversations.in_context_ids(conv.id),
    )


@router.patch("/conversations/{conversation_id}", summary="Update a conversation")
async def update_conversation(
    conversation_id: str, body: ConversationUpdate, request: Request, agent_id: str | None = None
) -> dict[str, Any]:
    service = service_of(request)
    conv = resolve_conversation(service, conversation_id, agent_id)
    fields: dict[str, Any] = {}
    for key in ("summary", "model", "context_window_limit"):
        if getattr(body, key) is not None:
            fields[key] = getattr(body, key)
    if body.model:
        check_model(body.model)
    if fields:
        conv = service.conversations.update(conv.id, **fields)
    return conversation_view(conv)


@router.delete("/conversations/{conversation_id}", summary="Delete a conversation and its messages")
async def delete_conversation(conversation_id: str, request: Request, agent_id: str | None = None) -> dict[str, Any]:
    service = service_of(request)
    conv = resolve_conversation(service, conversation_id, agent_id)
    service.delete_conversation(conv.id)
    return {"id": conv.id, "deleted": True}


@router.post("/conversations/{conversation_id}/messages", summary="Send messages (SSE unless streaming=false)")
async def send_conversation_message(conversation_id: str, body: MessageRequest, request: Request) -> Response:
    service = service_of(request)
    conv = resolve_conversation(service, conversation_id, body.agent_id)
    return await send_messages(
        request, service, body, agent_id=conv.agent_id, conversation_id=conv.id, stream=body.streaming is not False
    )


@router.get("/conversations/{conversation_id}/messages", summary="List a conversation's messages")
async def list_conversation_messages(
    conversation_id: str,
    request: Request,
    agent_id: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = 100,
    order: Order = "desc",
    include_return_message_types: QueryList = None,
) -> list[dict[str, Any]]:
    service = service_of(request)
    conv = resolve_conversation(service, conversation_id, agent_id)
    return list_messages(
        service, conv.id, limit=limit, after=after, before=before, order=order, types=include_return_message_types
    )


@router.post("/conversations/{conversation_id}/cancel", summary="Cancel the conversation's running run")
async def cancel_conversation(conversation_id: str, request: Request, agent_id: str | None = None) -> dict[str, Any]:
    service = service_of(request)
    conv = resolve_conversation(service, conversation_id, agent_id)
    return {"cancelled_runs": service.cancel(conversation_id=conv.id)}


@router.post("/conversations/{conversation_id}/stream", summary="Resume the stream of the latest run")
async def resume_conversation_stream(
    conversation_id: str, request: Request, body: StreamRequest | None = None
) -> Response:
    service = service_of(request)
    body = body or StreamRequest()
    conv = resolve_conversation(service, conversation_id, body.agent_id)
    run_id = body.run_id
    if run_id is None:
        runs = service.runs.list(conversation_id=conv.id, statuses=["created", "running"], limit=1)
        runs = runs or service.runs.list(conversation_id=conv.id, limit=1)
        if not runs:
            raise NotFoundError(f"conversation {conv.id} has no runs to stream")
        run_id = runs[0].id
    return follow_stream(request, service, run_id, starting_after=body.starting_after, include_pings=body.include_pings)


@router.post("/conversations/{conversation_id}/compact", summary="Summarize the conversation's older messages")
async def compact_conversation(
    conversation_id: str, request: Request, body: CompactRequest | None = None, agent_id: str | None = None
) -> dict[str, Any]:
    """Keeps the last turn, summarizes the rest (CompactionResponse); 409 while a run is active."""
    service = service_of(request)
    conv = resolve_conversation(service, conversation_id, (body.agent_id if body else None) or agent_id)
    return dict(await service.compact_report(conv.id))


@router.patch("/conversations/{conversation_id}/reset-messages", summary="Clear the conversation's context")
async def reset_conversation(conversation_id: str, request: Request, agent_id: str | None = None) -> dict[str, Any]:
    service = service_of(request)
    conv = resolve_conversation(service, conversation_id, agent_id)
    service.conversations.clear_context(conv.id)
    return conversation_view(service.conversations.get(conv.id))
