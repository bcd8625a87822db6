"""Agents: create, list, retrieve, update, delete; their core-memory blocks and tools."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile

from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT, DEFAULT_PAGE_SIZE
from letta_code.schemas.state import AgentState
from letta_code.server.common import (
    Limit,
    Order,
    QueryList,
    Router,
    check_model,
    check_order,
    flat,
    page,
    service_of,
)
from letta_code.server.requests import (
    AgentCreate,
    AgentUpdate,
    BlockUpdate,
    MemoryBlockIn,
)
from letta_code.server.views import agent_view, block_view, pending_view, tool_id, tool_view
from letta_code.service import agentfile
from letta_code.service.agent.memory_tools import MEMORY_TOOL_NAMES
from letta_code.service.errors import BadRequestError, NotFoundError
from letta_code.service.service import AgentService

router = Router(prefix="/v1", tags=["agents"])


def known_tools(request: Request) -> list[str]:
    """Every tool name the server knows: memory tools, tools agents carry or carried."""
    names = dict.fromkeys(sorted(MEMORY_TOOL_NAMES))
    names.update(dict.fromkeys(sorted(request.app.state.tool_names)))
    for agent in service_of(request).agents.list_agents():
        names.update(dict.fromkeys(agent.tools))
    return list(names)


def remember_tools(request: Request, names: list[str]) -> list[str]:
    request.app.state.tool_names.update(names)
    return names


def tool_name(request: Request, tid: str) -> str:
    for name in known_tools(request):
        if tool_id(name) == tid or name == tid:
            return name
    raise NotFoundError(f"tool {tid} not found")


def check_memory_blocks(blocks: list[MemoryBlockIn]) -> None:
    """What POST /v1/blocks refuses is refused here too: a value over its limit, a label twice."""
    labels: set[str] = set()
    for block in blocks:
        limit = block.limit or DEFAULT_BLOCK_LIMIT
        if len(block.value) > limit:
            raise BadRequestError(
                f"memory block {block.label!r}: the value ({len(block.value)} characters) is over the limit of {limit}"
            )
        if block.label in labels:
            raise BadRequestError(f"memory block label {block.label!r} is given twice")
        labels.add(block.label)


def _includes(include: list[str] | None) -> set[str] | None:
    values = flat(include)
    return set(values) if values else None


def render(
    service: AgentService, agent: AgentState, include: set[str] | None = None, *, one: bool = False
) -> dict[str, Any]:
    """The agent's view; `one`: a single agent's, with the ids of its default history's context."""
    pending = None
    if include is not None and "agent.pending_approval" in include:
        conv = service.conversations.default_for(agent.id)
        pending = pending_view(service.conversations.pending_approval(conv.id))
    ids = service.conversations.default_context_ids(agent.id) if one else None
    return agent_view(agent, include=include, pending=pending, message_ids=ids)


@router.post("/agents", summary="Create an agent")
async def create_agent(body: AgentCreate, request: Request) -> dict[str, Any]:
    service = service_of(request)
    llm = body.llm_config.model_dump(exclude_none=True) if body.llm_config else {}
    model = body.model or llm.get("handle")
    if not model:
        from letta_code.service.llm.registry import default_handle
        from letta_code.service.llm.types import LLMError

        try:
            model = default_handle(service.env)
        except LLMError as exc:
            raise BadRequestError(str(exc)) from exc
    check_model(model)
    check_memory_blocks(body.memory_blocks or [])
    tools = remember_tools(request, list(body.tools or []) + [tool_name(request, t) for t in body.tool_ids or []])
    agent = service.create_agent(
        name=body.name or f"agent-{uuid.uuid4().hex[:8]}",
        model=model,
        system=body.system,
        block_ids=body.block_ids,
        memory_blocks=[b.spec() for b in body.memory_blocks or []],
        tools=tools,
        description=body.description,
        tags=body.tags,
        metadata=body.metadata,
        context_window=body.context_window_limit or llm.get("context_window"),
    )
    return render(service, agent, one=True)


@router.get("/agents", summary="List agents")
async def list_agents(
    request: Request,
    name: str | None = None,
    query_text: str | None = None,
    tags: QueryList = None,
    match_all_tags: bool = False,
    include: QueryList = None,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: Order = "desc",
) -> list[dict[str, Any]]:
    service = service_of(request)
    agents = service.agents.list_agents(name=name)  # `name`: exactly; `query_text`: a part, any case
    if query_text:
        agents = [a for a in agents if query_text.casefold() in a.name.casefold()]
    if tags:
        wanted = set(tags)
        agents = [a for a in agents if (wanted <= set(a.tags) if match_all_tags else wanted & set(a.tags))]
    chosen = page(agents, lambda a: a.id, after=after, before=before, limit=limit, order=check_order(order))
    return [render(service, a, _includes(include)) for a in chosen]


@router.get("/agents/{agent_id}", summary="Retrieve an agent")
async def retrieve_agent(agent_id: str, request: Request, include: QueryList = None) -> dict[str, Any]:
    service = service_of(request)
    return render(service, service.get_agent(agent_id), _includes(include), one=True)


@router.patch("/agents/{agent_id}", summary="Update an agent")
async def update_agent(agent_id: str, body: AgentUpdate, request: Request) -> dict[str, Any]:
    service = service_of(request)
    agent = service.get_agent(agent_id)
    fields: dict[str, Any] = {}
    for key in ("name", "system", "description", "tags", "metadata"):
        value = getattr(body, key)
        if value is not None:
            fields[key] = value
    llm = body.llm_config.model_dump(exclude_none=True) if body.llm_config else {}
    model = body.model or llm.get("handle")
    if model:
        check_model(model)
        fields["model"] = model
    window = body.context_window_limit or llm.get("context_window")
    if not window and model and model != agent.model:
        # A new model with no window given gets that model's (asking its server may take a moment).
        window = await asyncio.to_thread(service.context_window_for, model)
    if window:
        fields["context_window"] = int(window)
    if body.tools is not None or body.tool_ids is not None:
        names = list(body.tools or []) + [tool_name(request, t) for t in body.tool_ids or []]
        fields["tools"] = remember_tools(request, list(dict.fromkeys(names)))
    if body.block_ids is not None:
        current = [b.id for b in agent.blocks]
        for block_id in current:
            if block_id not in body.block_ids:
                service.agents.detach_block(agent_id, block_id)
        for block_id in body.block_ids:
            if block_id not in current:
                service.agents.attach_block(agent_id, block_id)
    agent = service.agents.update_agent(agent_id, **fields) if fields else service.get_agent(agent_id)
    return render(service, agent, one=True)


@router.get("/agents/{agent_id}/export", summary="The agent as an agent file (.af, AgentFile v2 JSON)")
async def export_agent_file(
    agent_id: str,
    request: Request,
    conversation_id: str | None = None,
    scrub_messages: bool = False,
    use_legacy_format: bool = False,
    max_steps: int | None = None,  # accepted (the SDK sends it); an export takes no step
) -> dict[str, Any]:
    if use_legacy_format:
        raise BadRequestError("only the v2 agent file format is exported here (use_legacy_format=false)")
    return agentfile.export_agent(
        service_of(request), agent_id, conversation_id=conversation_id, scrub_messages=scrub_messages
    )


@router.post("/agents/import", summary="Create the agents of an agent file (.af)")
async def import_agent_file(
    request: Request,
    file: Annotated[UploadFile, File(description="the agent file")],
    name: Annotated[str | None, Form()] = None,
    override_name: Annotated[str | None, Form()] = None,
    model: Annotated[str | None, Form()] = None,
    override_model_handle: Annotated[str | None, Form()] = None,
    strip_messages: Annotated[bool, Form()] = False,
    append_copy_suffix: Annotated[bool, Form()] = False,
) -> dict[str, list[str]]:
    try:
        document = json.loads(await file.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequestError(f"the agent file is not JSON: {exc}") from exc
    chosen_model = model or override_model_handle
    if chosen_model:
        check_model(chosen_model)
    ids = agentfile.import_agents(
        service_of(request),
        document,
        name=name or override_name,
        model=chosen_model,
        strip_messages=strip_messages,
        append_copy_suffix=append_copy_suffix,
    )
    return {"agent_ids": ids}


@router.delete("/agents/{agent_id}", summary="Delete an agent")
async def delete_agent(agent_id: str, request: Request) -> dict[str, Any]:
    service_of(request).agents.delete_agent(agent_id)
    return {"id": agent_id, "deleted": True}


# -- core memory ---------------------------------------------------------------
@router.get("/agents/{agent_id}/core-memory/blocks", summary="List an agent's memory blocks")
async def list_agent_blocks(
    agent_id: str,
    request: Request,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = None,
    order: Order = "asc",
) -> list[dict[str, Any]]:
    blocks = service_of(request).get_agent(agent_id).blocks
    chosen = page(blocks, lambda b: b.id, after=after, before=before, limit=limit, order=check_order(order))
    return [block_view(b) for b in chosen]


def _block_by_label(service: AgentService, agent_id: str, label: str) -> Any:
    for block in service.get_agent(agent_id).blocks:
        if block.label == label:
            return block
    raise NotFoundError(f"agent {agent_id} has no memory block labelled {label!r}")


@router.get("/agents/{agent_id}/core-memory/blocks/{block_label}", summary="Retrieve a block by label")
async def retrieve_agent_block(agent_id: str, block_label: str, request: Request) -> dict[str, Any]:
    return block_view(_block_by_label(service_of(request), agent_id, block_label))


@router.patch("/agents/{agent_id}/core-memory/blocks/{block_label}", summary="Update a block by label")
async def update_agent_block(agent_id: str, block_label: str, body: BlockUpdate, request: Request) -> dict[str, Any]:
    from letta_code.server.routes.blocks import write_block

    service = service_of(request)
    block = _block_by_label(service, agent_id, block_label)
    return block_view(write_block(service, block.id, body, agent_id=agent_id))


@router.patch("/agents/{agent_id}/core-memory/blocks/attach/{block_id}", summary="Attach a block")
async def attach_block(agent_id: str, block_id: str, request: Request) -> dict[str, Any]:
    service = service_of(request)
    return render(service, service.agents.attach_block(agent_id, block_id))


@router.patch("/agents/{agent_id}/core-memory/blocks/detach/{block_id}", summary="Detach a block")
async def detach_block(agent_id: str, block_id: str, request: Request) -> dict[str, Any]:
    service = service_of(request)
    return render(service, service.agents.detach_block(agent_id, block_id))


# -- tools ---------------------------------------------------------------------
@router.get("/agents/{agent_id}/tools", summary="List an agent's tools")
async def list_agent_tools(
    agent_id: str,
    request: Request,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = None,
    order: Order = "asc",
) -> list[dict[str, Any]]:
    tools = [tool_view(name) for name in service_of(request).get_agent(agent_id).tools]
    return page(tools, lambda t: t["id"], after=after, before=before, limit=limit, order=check_order(order))


@router.patch("/agents/{agent_id}/tools/attach/{tool_id}", summary="Attach a tool")
async def attach_tool(agent_id: str, tool_id: str, request: Request) -> dict[str, Any]:
    service = service_of(request)
    agent = service.get_agent(agent_id)
    name = tool_name(request, tool_id)
    if name not in agent.tools:
        agent = service.agents.update_agent(agent_id, tools=[*agent.tools, name])
    return render(service, agent, one=True)


@router.patch("/agents/{agent_id}/tools/detach/{tool_id}", summary="Detach a tool")
async def detach_tool(agent_id: str, tool_id: str, request: Request) -> dict[str, Any]:
    service = service_of(request)
    agent = service.get_agent(agent_id)
    name = tool_name(request, tool_id)
    if name in agent.tools:
        agent = service.agents.update_agent(agent_id, tools=[t for t in agent.tools if t != name])
    return render(service, agent, one=True)
