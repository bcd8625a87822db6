"""Helpers shared by the route modules: the router, the service, cursors, conversations."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from letta_code.schemas.state import ConversationState
from letta_code.server.auth import OPEN_PATHS
from letta_code.service.errors import BadRequestError
from letta_code.service.service import AgentService

T = TypeVar("T")
# A repeatable query parameter (?tags=a&tags=b).
QueryList = Annotated[list[str] | None, Query()]
# The largest count or position we take: the largest integer every JSON client reads exactly
# (and far below SQLite's 2**63, past which a stored or compared integer overflows).
MAX_INT = 2**53 - 1
# The order of a list (newest or oldest first); anything else is a 422.
Order = Literal["asc", "desc"]
# A page size: `limit=` on the list routes.
Limit = Annotated[int | None, Query(ge=0, le=MAX_INT, description="At most this many items")]


class ErrorBody(BaseModel):
    detail: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# What any route can answer: the door checks in front of it (server/guards.py), a fault.
ANY_ROUTE: dict[int | str, dict[str, Any]] = {
    413: _error("The request body is over the limit"),
    421: _error("A Host name this server (without an API key) does not answer"),
    500: _error("An internal error (no details; see the server log)"),
    503: _error("The database cannot be opened, read or written"),
}
KEY_RESPONSE: dict[int | str, dict[str, Any]] = {401: _error("Missing or wrong API key")}
BAD_REQUEST: dict[int | str, dict[str, Any]] = {400: _error("A value the server cannot use")}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: _error("A named agent, block, conversation, run, message or tool does not exist")
}
CROSS_ORIGIN: dict[int | str, dict[str, Any]] = {403: _error("A browser request from another origin")}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: _error("The conversation is busy with a run or waits for an approval")
}
RUN_FAILED: dict[int | str, dict[str, Any]] = {502: _error("The model server failed the run")}


def error_responses(path: str, methods: set[str], endpoint: Callable[..., Any]) -> dict[int | str, dict[str, Any]]:
    """The error statuses a route can answer, for the OpenAPI document."""
    params = [p for p in inspect.signature(endpoint).parameters if p != "request"]
    responses = dict(ANY_ROUTE)
    if path not in OPEN_PATHS:
        responses |= KEY_RESPONSE
    if params:
        responses |= BAD_REQUEST
    if "{" in path or any(p.endswith("_id") or p == "body" for p in params):
        responses |= NOT_FOUND
    if methods - {"GET", "HEAD"}:
        responses |= CROSS_ORIGIN | CONFLICT
    if re.search(r"/messages(/stream)?$", path) and "POST" in methods:
        responses |= RUN_FAILED
    return responses


class Router(APIRouter):
    """An APIRouter that also answers every path with a trailing slash.

    The official SDKs call collections as `/v1/agents/`; other clients call `/v1/agents`.
    The twin is left out of the OpenAPI document.
    """

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = set(kwargs.get("methods") or ["GET"])
        kwargs["responses"] = {
            **error_responses(self.prefix + path, methods, endpoint),
            **(kwargs.get("responses") or {}),
        }
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


def check_model(model: str) -> None:
    """A model handle the registry knows, else 400 (before a run is started on it)."""
    from letta_code.service.llm.registry import resolve_handle
    from letta_code.service.llm.types import LLMError

    try:
        resolve_handle(model)
    except LLMError as exc:
        raise BadRequestError(str(exc)) from exc


def check_order(order: str) -> str:
    if order not in ("asc", "desc"):
        raise BadRequestError(f"order must be 'asc' or 'desc', not {order!r}")
    return order


def resolve_conversation(service: AgentService, conversation_id: str, agent_id: str | None) -> ConversationState:
    """A conversation id, or "default" with an agent id (an agent id alone still works)."""
    if conversation_id.startswith("agent-"):
        return service.resolve_conversation(None, conversation_id)
    if conversation_id == "default" and not agent_id:
        raise BadRequestError("conversation 'default' needs an agent_id (the agent whose primary history to use)")
    return service.resolve_conversation(conversation_id, agent_id)
