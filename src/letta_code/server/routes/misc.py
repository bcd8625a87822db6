"""Health, the model list and the tool catalogue."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request

from letta_code import __version__
from letta_code.schemas.defaults import DEFAULT_PAGE_SIZE
from letta_code.server.common import Limit, Order, QueryList, Router, check_order, page, service_of
from letta_code.server.routes.agents import known_tools, tool_name
from letta_code.server.views import model_view, tool_view

router = Router(prefix="/v1", tags=["server"])
# `version` in /v1/health is read by clients as the Letta server's version: the release of
# the Letta server whose API (as the official Letta Code CLI 0.34 uses it) this server serves.
# The official CLI warns "Your Docker image is outdated" below 0.16.6. Ours is letta_code_version.
LETTA_API_VERSION = "0.16.6"


@router.get("/health", summary="Liveness (no API key needed)")
async def health() -> dict[str, str]:
    return {"version": LETTA_API_VERSION, "status": "ok", "letta_code_version": __version__}


@router.get("/models", summary="Models of the configured providers")
async def list_models(
    request: Request,
    provider_name: str | None = None,
    provider_type: str | None = None,
) -> list[dict[str, Any]]:
    """Built-in handles of configured cloud providers and what the configured model
    servers serve (their `/v1/models`, asked once per process, in a thread: a slow
    server must not stall the event loop), each with its discovered context window."""
    from letta_code.service.llm.registry import list_models as registry_models

    entries = await asyncio.to_thread(registry_models, service_of(request).env)
    models = [model_view(m) for m in entries]
    if provider_name:
        models = [m for m in models if m.get("provider_name") == provider_name]
    if provider_type:
        models = [m for m in models if m.get("provider_type") == provider_type]
    return models


@router.get("/models/embedding", summary="Embedding models (none: memory search is lexical)")
async def list_embedding_models() -> list[dict[str, Any]]:
    return []


@router.get("/tools", summary="List tools")
async def list_tools(
    request: Request,
    name: str | None = None,
    names: QueryList = None,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: Order = "asc",
) -> list[dict[str, Any]]:
    tools = known_tools(request)
    if name:
        tools = [t for t in tools if t == name]
    if names:
        tools = [t for t in tools if t in names]
    views = [tool_view(t) for t in tools]
    return page(views, lambda t: t["id"], after=after, before=before, limit=limit, order=check_order(order))


@router.get("/tools/{tool_id}", summary="Retrieve a tool")
async def retrieve_tool(tool_id: str, request: Request) -> dict[str, Any]:
    return tool_view(tool_name(request, tool_id))
