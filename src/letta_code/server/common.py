"""Helpers shared by the route modules: the router, the service, cursors, conversations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request

from letta_code.schemas.state import ConversationState
from letta_code.service.errors import BadRequestError
from letta_code.service.service import AgentService

T = TypeVar("T")
# A repeatable query parameter (?tags=a&tags=b).
QueryList = Annotated[list[str] | None, Query()]


class Router(APIRouter):
    """An APIRouter that also answers every path with a trailing slash.

    The official SDKs call collections as `/v1/agents/`; other clients call `/v1/agents`.
    The twin is left out of the OpenAPI document.
    """

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        if not path.endswith("/"):
            super().add_api_route(path + "/", endpoint, **{**kwargs, "include_in_schema": False})


def flat(values: list[str] | None) -> list[str] | None:
    """Enum-like repeated query values; `a,b` (comma style) counts as two."""
    if not values:
        return None
    return [part for value in values for part in value.split(",") if part]


def service_of(request: Request) -> AgentService:
    service: AgentService = request.app.state.service
    return service


def page(
    items: Sequence[T],
    key: Callable[[T], str],
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
    order: str = "desc",
) -> list[T]:
    """Cursor paging over items already sorted oldest first (as the SDK's ArrayPage expects).

    `after`/`before` are ids of items in the returned order; an unknown cursor
    gives an empty page, so an SDK auto-paginating loop always ends.
    """
    ordered = list(reversed(items)) if order == "desc" else list(items)
    ids = [key(item) for item in ordered]
    if after:
        if after not in ids:
            return []
        ordered = ordered[ids.index(after) + 1 :]
        ids = ids[ids.index(after) + 1 :]
    if before:
        if before not in ids:
            return []
        ordered = ordered[: ids.index(before)]
        if limit is not None and limit >= 0:
            return ordered[-limit:] if limit else []
    if limit is not None and limit >= 0:
        ordered = ordered[:limit]
    return ordered


def check_order(order: str) -> str:
    if order not in ("asc", "desc"):
        raise BadRequestError(f"order must be 'asc' or 'desc', not {order!r}")
    return order


def resolve_conversation(
    service: AgentService, conversation_id: str, agent_id: str | None
) -> ConversationState:
    """A conversation id, or "default" with an agent id (an agent id alone still works)."""
    if conversation_id.startswith("agent-"):
        return service.resolve_conversation(None, conversation_id)
    if conversation_id == "default" and not agent_id:
        raise BadRequestError("conversation 'default' needs an agent_id (the agent whose primary history to use)")
    return service.resolve_conversation(conversation_id, agent_id)

