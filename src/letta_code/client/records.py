"""The records a Letta server's JSON becomes on our side (`schemas/state.py`), the same ones
`EmbeddedBackend` hands out: what `HttpBackend` turns each response into."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT, DEFAULT_CONTEXT_WINDOW
from letta_code.schemas.state import (
    AgentState,
    BlockRevisionState,
    BlockState,
    ConversationState,
    MessageHitState,
)


def when(value: Any) -> datetime | None:
    """A timestamp as the embedded store reads it back from SQLite: naive UTC."""
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def agent_state(data: dict[str, Any]) -> AgentState:
    llm = data.get("llm_config") or {}
    return AgentState(
        id=data["id"],
        name=data.get("name") or "",
        description=data.get("description"),
        system=data.get("system") or "",
        model=data.get("model") or llm.get("handle") or llm.get("model") or "",
        context_window=int(data.get("context_window_limit") or llm.get("context_window") or DEFAULT_CONTEXT_WINDOW),
        tools=[t["name"] if isinstance(t, dict) else str(t) for t in data.get("tools") or []],
        tags=list(data.get("tags") or []),
        metadata=data.get("metadata") or {},
        blocks=[block_state(b) for b in data.get("blocks") or []],
        created_at=when(data.get("created_at")),
        updated_at=when(data.get("updated_at")),
    )


def block_state(data: dict[str, Any]) -> BlockState:
    return BlockState(
        id=data["id"],
        label=data.get("label") or "",
        value=data.get("value") or "",
        description=data.get("description"),
        limit=int(data.get("limit") or DEFAULT_BLOCK_LIMIT),
        read_only=bool(data.get("read_only")),
        version=int(data.get("version") or 1),
        metadata=data.get("metadata") or {},
        created_at=when(data.get("created_at")),
        updated_at=when(data.get("updated_at")),
    )


def conversation_state(data: dict[str, Any]) -> ConversationState:
    return ConversationState(
        id=data["id"],
        agent_id=data["agent_id"],
        is_default=bool(data.get("is_default")),
        summary=data.get("summary"),
        message_count=int(data.get("message_count") or 0),
        created_at=when(data.get("created_at")),
        updated_at=when(data.get("updated_at")),
    )


def revision_state(data: dict[str, Any]) -> BlockRevisionState:
    return BlockRevisionState(
        version=int(data["version"]),
        old_value=data.get("old_value") or "",
        new_value=data.get("new_value") or "",
        diff=data.get("diff") or "",
        source=data.get("source") or "",
        agent_id=data.get("agent_id"),
        conversation_id=data.get("conversation_id"),
        created_at=when(data.get("created_at")),
    )


def message_hit_state(data: dict[str, Any]) -> MessageHitState:
    """One result of `POST /v1/messages/search`."""
    return MessageHitState(
        message_id=data["message_id"],
        role=str(data.get("message_type") or "").removesuffix("_message"),
        text=data.get("content") or "",
        agent_id=data.get("agent_id") or "",
        conversation_id=data.get("conversation_id") or "",
        created_at=when(data.get("created_at")),
    )
