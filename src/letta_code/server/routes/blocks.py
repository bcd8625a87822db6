"""Memory blocks on their own: create, list, retrieve, update, delete (shared by id); their history."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT, DEFAULT_PAGE_SIZE
from letta_code.schemas.state import BlockState
from letta_code.server.common import Limit, Order, Router, check_order, page, service_of
from letta_code.server.requests import BlockCreate, BlockUpdate, RevertRequest
from letta_code.server.views import agent_view, block_view, revision_view
from letta_code.service.errors import BadRequestError, ConflictError
from letta_code.service.service import AgentService

router = Router(prefix="/v1", tags=["blocks"])
WRITE_ATTEMPTS = 20


def write_block(service: AgentService, block_id: str, body: BlockUpdate, *, agent_id: str | None = None) -> BlockState:
    """Apply an update; the value write uses the block's version like the memory tools do."""
    fields: dict[str, Any] = {}
    for key in ("label", "description", "limit", "read_only", "metadata"):
        value = getattr(body, key)
        if value is not None:
            fields[key] = value
    for _ in range(WRITE_ATTEMPTS):
        current = service.agents.get_block(block_id)
        value = body.value if body.value is not None else current.value
        limit = fields.get("limit", current.limit)
        if len(value) > limit:
            raise BadRequestError(f"the value ({len(value)} characters) is over the block's limit of {limit}")
        written = service.agents.write_block(
            block_id, value, expected_version=current.version, agent_id=agent_id, source="api", **fields
        )
        if written is not None:
            return written
    raise ConflictError(f"block {block_id} kept changing while it was being updated; try again")


@router.post("/blocks", summary="Create a block")
async def create_block(body: BlockCreate, request: Request) -> dict[str, Any]:
    limit = DEFAULT_BLOCK_LIMIT if body.limit is None else body.limit
    if len(body.value) > limit:
        raise BadRequestError(f"the value ({len(body.value)} characters) is over the limit of {limit}")
    block = service_of(request).agents.create_block(
        body.label,
        body.value,
        description=body.description,
        limit=limit,
        read_only=body.read_only,
        metadata=body.metadata,
    )
    return block_view(block)


@router.get("/blocks", summary="List blocks")
async def list_blocks(
    request: Request,
    label: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: Order = "desc",
) -> list[dict[str, Any]]:
    blocks = service_of(request).agents.list_blocks(label=label)
    chosen = page(blocks, lambda b: b.id, after=after, before=before, limit=limit, order=check_order(order))
    return [block_view(b) for b in chosen]


@router.get("/blocks/{block_id}", summary="Retrieve a block")
async def retrieve_block(block_id: str, request: Request) -> dict[str, Any]:
    return block_view(service_of(request).agents.get_block(block_id))


@router.patch("/blocks/{block_id}", summary="Update a block")
async def update_block(block_id: str, body: BlockUpdate, request: Request) -> dict[str, Any]:
    return block_view(write_block(service_of(request), block_id, body))


@router.delete("/blocks/{block_id}", summary="Delete a block")
async def delete_block(block_id: str, request: Request) -> dict[str, Any]:
    service_of(request).agents.delete_block(block_id)
    return {"id": block_id, "deleted": True}


@router.get("/blocks/{block_id}/agents", summary="List the agents a block is attached to")
async def block_agents(
    block_id: str,
    request: Request,
    after: str | None = None,
    before: str | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    order: Order = "desc",
) -> list[dict[str, Any]]:
    service = service_of(request)
    service.agents.get_block(block_id)
    agents = [a for a in service.agents.list_agents() if any(b.id == block_id for b in a.blocks)]
    chosen = page(agents, lambda a: a.id, after=after, before=before, limit=limit, order=check_order(order))
    return [agent_view(a) for a in chosen]


@router.get("/blocks/{block_id}/revisions", summary="A block's revisions, oldest first, each with its diff")
async def block_revisions(block_id: str, request: Request) -> list[dict[str, Any]]:
    return [revision_view(entry, block_id) for entry in service_of(request).block_revisions(block_id)]


@router.post("/blocks/{block_id}/revert", summary="Set a block back to its value at a revision (a new revision)")
async def revert_block(block_id: str, body: RevertRequest, request: Request) -> dict[str, Any]:
    return block_view(service_of(request).revert_block(block_id, body.version))
