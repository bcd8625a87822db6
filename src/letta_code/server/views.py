"""Service records as Letta API response bodies (the shapes the official SDK parses).

Our records are smaller than Letta's: the required fields the SDK's types insist
on (`agent_type`, `llm_config`, `memory`, `sources`, tool objects, ...) are
derived here. A few extra fields the SDK ignores but our `HttpBackend` reads
(`version` on blocks, `is_default`/`message_count` on conversations) ride along.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from letta_code.schemas.state import AgentState, BlockState, ConversationState, RunState
from letta_code.service.agent.history import to_letta_messages
from letta_code.service.agent.memory_tools import MEMORY_TOOL_SPECS
from letta_code.service.agent.step_calls import pending_request, stored_calls
from letta_code.service.agentfile import AGENT_TYPE
from letta_code.service.blocks import RevisionDiff
from letta_code.service.context_window import ContextOverview
from letta_code.service.store.conversations import PendingApproval
from letta_code.service.store.models import Message
from letta_code.service.store.passages import PassageRecord
from letta_code.service.store.search import MessageHit

# Tool ids are derived from tool names, so every process agrees on them.
_TOOL_NAMESPACE = uuid.UUID("6b1f8f0e-3c55-4f7b-9a59-7d0f6c1d2e10")
_MEMORY_SPECS = {spec.name: spec for spec in MEMORY_TOOL_SPECS}
# Our provider names -> the SDK's `ProviderType` literal.
_PROVIDER_TYPES = {"lmstudio": "lmstudio_openai", "llamacpp": "openai"}
# Stored roles -> the message types of a message search result (tool results are not searched).
SEARCH_MESSAGE_TYPES = {"user": "user_message", "assistant": "assistant_message", "system": "system_message"}


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with an offset; SQLite hands back naive datetimes, which are UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _utc_date(view: dict[str, Any]) -> dict[str, Any]:
    date = view.get("date")
    if isinstance(date, str) and date[-6:-5] not in ("+", "-") and not date.endswith("Z"):
        view["date"] = date + "+00:00"
    return view


def tool_id(name: str) -> str:
    return f"tool-{uuid.uuid5(_TOOL_NAMESPACE, name)}"


def tool_view(name: str) -> dict[str, Any]:
    spec = _MEMORY_SPECS.get(name)
    if spec is not None:
        schema = {"name": spec.name, "description": spec.description, "parameters": spec.parameters}
        return {
            "id": tool_id(name),
            "name": name,
            "description": spec.description,
            "tool_type": "letta_memory_core",
            "source_type": "python",
            "json_schema": schema,
            "args_json_schema": spec.parameters,
            "tags": ["letta_memory_core"],
            "default_requires_approval": False,
        }
    return {
        "id": tool_id(name),
        "name": name,
        "description": f"{name}: a client-side tool, executed by the client that sends it in client_tools",
        "tool_type": "custom",
        "source_type": "client",
        "json_schema": {"name": name, "parameters": {"type": "object", "properties": {}}},
        "tags": ["client"],
        "default_requires_approval": True,
    }


def block_view(block: BlockState) -> dict[str, Any]:
    return {
        "id": block.id,
        "label": block.label,
        "value": block.value,
        "description": block.description,
        "limit": block.limit,
        "read_only": block.read_only,
        "metadata": block.metadata,
        "is_template": False,
        "hidden": False,
        "tags": [],
        # extras (not in Letta's Block): what our HttpBackend needs to rebuild BlockState
        "version": block.version,
        "created_at": iso(block.created_at),
        "updated_at": iso(block.updated_at),
    }


def llm_config(model: str, context_window: int) -> dict[str, Any]:
    from letta_code.service.llm.registry import PROVIDERS, resolve_handle
    from letta_code.service.llm.types import LLMError

    try:
        handle = resolve_handle(model)
    except LLMError:
        handle = model
    prefix, _, name = handle.partition("/")
    spec = PROVIDERS.get(prefix)
    return {
        "model": name or handle,
        "handle": handle,
        "model_endpoint_type": spec.endpoint_type if spec else "openai",
        "provider_name": spec.name if spec else None,
        "context_window": context_window,
    }


def agent_view(
    agent: AgentState,
    *,
    include: set[str] | None = None,
    pending: dict[str, Any] | None = None,
    message_ids: list[str] | None = None,
) -> dict[str, Any]:
    """`include` (relationship names like "agent.blocks") limits the lists filled; None = all.
    `message_ids`: the default conversation's context, given for one agent (not for lists)."""

    def wanted(name: str) -> bool:
        return include is None or f"agent.{name}" in include

    blocks = [block_view(b) for b in agent.blocks] if wanted("blocks") else []
    view: dict[str, Any] = {
        "id": agent.id,
        "name": agent.name,
        "description": agent.description,
        "system": agent.system,
        "agent_type": AGENT_TYPE,
        "model": agent.model,
        "llm_config": llm_config(agent.model, agent.context_window),
        "context_window_limit": agent.context_window,
        "memory": {"blocks": blocks, "agent_type": AGENT_TYPE, "file_blocks": []},
        "blocks": blocks,
        "tools": [tool_view(name) for name in agent.tools] if wanted("tools") else [],
        "sources": [],
        "tags": list(agent.tags) if wanted("tags") else [],
        "metadata": agent.metadata,
        "tool_rules": [],
        "message_buffer_autoclear": False,
        "created_at": iso(agent.created_at),
        "updated_at": iso(agent.updated_at),
    }
    if pending is not None or (include is not None and "agent.pending_approval" in include):
        view["pending_approval"] = pending
    if message_ids is not None:
        view["message_ids"] = view["in_context_message_ids"] = message_ids
    return view


def pending_view(pending: PendingApproval | None) -> dict[str, Any] | None:
    """A pending approval as Letta's `ApprovalRequestMessage`: the first waiting call in
    `tool_call`, all of them in `tool_calls`, dated when it was stored."""
    if pending is None:
        return None
    request = pending_request(pending.message_id, stored_calls(pending.tool_calls))
    if request is None:
        return None
    view = request.to_wire()
    view["date"] = iso(pending.created_at or datetime.now(UTC))
    return view


def conversation_view(
    conv: ConversationState,
    pending: dict[str, Any] | None = None,
    *,
    with_pending: bool = False,
    in_context: list[str] | None = None,
) -> dict[str, Any]:
    """`in_context`: the context's message ids, given for one conversation (not for lists)."""
    view: dict[str, Any] = {
        "id": conv.id,
        "agent_id": conv.agent_id,
        "summary": conv.summary,
        "archived": False,
        "created_at": iso(conv.created_at),
        "updated_at": iso(conv.updated_at),
        "last_message_at": iso(conv.updated_at),
        "model": conv.model,
        "context_window_limit": conv.context_window_limit,
        "in_context_message_ids": in_context,
        # extras
        "is_default": conv.is_default,
        "message_count": conv.message_count,
    }
    if with_pending:
        view["pending_approval"] = pending
    return view


def run_view(run: RunState) -> dict[str, Any]:
    duration = None
    if run.created_at is not None and run.completed_at is not None:
        duration = int((run.completed_at - run.created_at).total_seconds() * 1e9)
    return {
        "id": run.id,
        "agent_id": run.agent_id,
        "conversation_id": run.conversation_id,
        "status": run.status,
        "stop_reason": run.stop_reason,
        "background": run.background,
        "created_at": iso(run.created_at),
        "completed_at": iso(run.completed_at),
        "total_duration_ns": duration,
        "metadata": {"error": run.error} if run.error else {},
        # extras
        "usage": run.usage,
        "error": run.error,
    }


def model_view(entry: dict[str, Any]) -> dict[str, Any]:
    provider_type = entry.get("provider_type") or "openai"
    return {
        **entry,
        "provider_type": _PROVIDER_TYPES.get(provider_type, provider_type),
        "max_context_window": entry.get("context_window"),
        "model_type": "llm",
    }


def message_views(rows: list[Message]) -> list[dict[str, Any]]:
    return [_utc_date(view.to_wire()) for row in rows for view in to_letta_messages(row)]


def passage_view(passage: PassageRecord) -> dict[str, Any]:
    """An archival passage as Letta's `Passage` (no embedding: archival search is full-text)."""
    return {
        "id": passage.id,
        "text": passage.text,
        "tags": passage.tags,
        "metadata": passage.metadata,
        "created_at": iso(passage.created_at),
        "updated_at": iso(passage.created_at),
        "is_deleted": False,
        "embedding": None,
        "embedding_config": None,
        # extras
        "agent_id": passage.agent_id,
    }


def passage_hit_view(passage: PassageRecord) -> dict[str, Any]:
    """One result of an archival search, as the SDK's `PassageSearchResponse` lists it."""
    return {"id": passage.id, "content": passage.text, "timestamp": iso(passage.created_at), "tags": passage.tags}


def revision_view(entry: RevisionDiff, block_id: str) -> dict[str, Any]:
    rev = entry.revision
    return {
        "block_id": block_id,
        "version": rev.version,
        "old_value": rev.old_value,
        "new_value": rev.new_value,
        "diff": entry.diff,
        "source": rev.source,
        "agent_id": rev.agent_id,
        "conversation_id": rev.conversation_id,
        "created_at": iso(rev.created_at),
    }


def context_view(ctx: ContextOverview) -> dict[str, Any]:
    """The next request's parts, named as Letta's `ContextWindowOverview` (plus `blocks`,
    per-function tokens and the model): `context_window_size_current` is the parts' sum."""
    return {
        "agent_id": ctx.agent_id,
        "conversation_id": ctx.conversation_id,
        "model": ctx.model,
        "context_window_size_max": ctx.context_window,
        "context_window_size_current": ctx.total,
        "num_tokens_system": ctx.system_tokens,
        "system_prompt": ctx.system_prompt,
        "num_tokens_core_memory": ctx.core_memory_tokens,
        "core_memory": ctx.core_memory,
        "blocks": [
            {"id": b.id, "label": b.label, "tokens": b.tokens, "chars": b.chars, "limit": b.limit} for b in ctx.blocks
        ],
        "num_tokens_functions_definitions": ctx.functions_tokens,
        "functions_definitions": [
            {"name": f.name, "tokens": f.tokens, "source": "client" if f.client else "server"} for f in ctx.functions
        ],
        "num_messages": ctx.num_messages,
        "num_tokens_messages": ctx.messages_tokens,
        "num_tokens_summary_memory": ctx.summary_tokens,
        "summary_memory": ctx.summary,
        "num_archival_memory": ctx.num_archival,
        "num_recall_memory": ctx.num_recall,
        "num_tokens_external_memory_summary": 0,
    }


def message_hit_view(hit: MessageHit) -> dict[str, Any]:
    """One message search result; `content` is the stored text, clipped around the match
    (with a leading/trailing "…") when the message is long, as conversation_search shows it."""
    return {
        "message_id": hit.message_id,
        "message_type": SEARCH_MESSAGE_TYPES[hit.role],
        "content": hit.snippet,
        "created_at": iso(hit.created_at),
        "agent_id": hit.agent_id,
        "conversation_id": hit.conversation_id,
        # extras
        "matches": hit.matches,
        "score": hit.score,
    }
