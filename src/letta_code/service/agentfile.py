"""Agent files (`.af`, Letta's AgentFile v2): an agent with its memory blocks, tools and
conversation, as one JSON document to share, back up or move between servers.

The document has `agents`, `blocks` and `tools` (and the empty lists `groups`, `files`,
`sources`, `mcp_servers`, `skills`); ids inside it are the file's own (`agent-0`,
`block-0`, `tool-0`, `message-0`) and are given new ones on import. An agent carries
`name`, `system`, `model` (a handle, also in `llm_config`), `context_window_limit`,
`description`, `tags`, `metadata`, `block_ids`, `tool_ids`, its `messages` and which of
them are `in_context_message_ids`.

Exported: one agent and the messages of one conversation (the default one unless named;
none with `scrub_messages`). Imported: every agent of the file with its blocks, the
tools this service knows (its own and the coding tools; a Letta server's custom tools
have source code to run, which this service does not run, so they are left out), and
its messages in its default conversation, those before the in-context ones out of the
context as they were. The compiled system messages a Letta server stores are skipped:
the prompt is compiled here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from letta_code.schemas.state import AgentState, NewBlock
from letta_code.service.errors import BadRequestError
from letta_code.service.store.models import Message, new_id

if TYPE_CHECKING:
    from letta_code.service.service import AgentService

AGENT_TYPE = "letta_v1_agent"
OUR_TOOL_TYPE = "letta_code"  # a tool this service or its clients run (not custom source code)
_EMPTY_SECTIONS = ("groups", "files", "sources", "mcp_servers", "skills")


def export_agent(
    service: AgentService, agent_id: str, *, conversation_id: str | None = None, scrub_messages: bool = False
) -> dict[str, Any]:
    """The agent file of one agent (and one conversation's messages)."""
    agent = service.get_agent(agent_id)
    conv = service.resolve_conversation(conversation_id, agent_id)
    blocks = [
        {
            "id": f"block-{i}",
            "label": b.label,
            "value": b.value,
            "limit": b.limit,
            "description": b.description,
            "read_only": b.read_only,
            "metadata": b.metadata,
        }
        for i, b in enumerate(agent.blocks)
    ]
    tools = [{"id": f"tool-{i}", "name": name, "tool_type": OUR_TOOL_TYPE} for i, name in enumerate(agent.tools)]
    stored = [] if scrub_messages else service.conversations.messages_after(conv.id, 0)
    file_ids = {m.id: f"message-{i}" for i, m in enumerate(stored)}
    in_context = [file_ids[i] for i in service.conversations.in_context_ids(conv.id) if i in file_ids]
    handle = agent.model
    provider, _, model = handle.partition("/")
    entry = {
        "id": "agent-0",
        "name": agent.name,
        "agent_type": AGENT_TYPE,
        "system": agent.system,
        "description": agent.description,
        "tags": list(agent.tags),
        "metadata": dict(agent.metadata),
        "model": handle,
        "context_window_limit": agent.context_window,
        "llm_config": {
            "handle": handle,
            "model": model or handle,
            "model_endpoint_type": provider,
            "context_window": agent.context_window,
        },
        "block_ids": [b["id"] for b in blocks],
        "tool_ids": [t["id"] for t in tools],
        "memory_blocks": [],
        "tools": [],
        "tool_rules": [],
        "messages": [_message_entry(m, file_ids[m.id]) for m in stored],
        "in_context_message_ids": in_context,
        "files_agents": [],
        "group_ids": [],
    }
    document: dict[str, Any] = {"agents": [entry], "blocks": blocks, "tools": tools}
    document.update({section: [] for section in _EMPTY_SECTIONS})
    document["metadata"] = {"exported_by": "letta-code"}
    document["created_at"] = datetime.now(UTC).isoformat()
    return document


def _message_entry(message: Message, file_id: str) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if message.reasoning:
        parts.append({"type": "reasoning", "reasoning": message.reasoning, "signature": message.reasoning_signature})
    for part in message.content or []:
        if part.get("type") == "image":
            source = {"type": "base64", "media_type": part.get("media_type"), "data": part.get("data")}
            parts.append({"type": "image", "source": source})
        else:
            parts.append({"type": "text", "text": str(part.get("text", ""))})
    entry: dict[str, Any] = {
        "type": "message",
        "id": file_id,
        "role": message.role,
        "content": parts,
        "agent_id": "agent-0",
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }
    if message.tool_calls:
        entry["tool_calls"] = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in message.tool_calls
        ]
    if message.tool_call_id:
        entry["tool_call_id"] = message.tool_call_id
        entry["tool_returns"] = [{"tool_call_id": message.tool_call_id, "status": message.tool_status or "success"}]
    return entry


def import_agents(
    service: AgentService,
    document: object,
    *,
    name: str | None = None,
    model: str | None = None,
    strip_messages: bool = False,
    append_copy_suffix: bool = False,
) -> list[str]:
    """Create the agents of an agent file; their new ids."""
    from letta_code.service.service import SERVER_TOOL_NAMES  # every agent has them; a Letta file names them too

    server_tools = SERVER_TOOL_NAMES
    agents, blocks, tools = _sections(document)
    # Every agent is checked before any is made: a bad file makes nothing.
    plans = [_plan(entry, blocks, tools, model=model, server_tools=server_tools) for entry in agents]
    imported = []
    for entry, plan in zip(agents, plans, strict=True):
        agent = _create(service, entry, plan, name=name, copy=append_copy_suffix, explicit_model=model is not None)
        if not strip_messages:
            _add_messages(service, agent, entry, server_tools)
        imported.append(agent.id)
    return imported


def _sections(document: object) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    if not isinstance(document, dict):
        raise BadRequestError("an agent file is a JSON object")
    if "agents" not in document and "core_memory" in document:
        raise BadRequestError("this is a v1 (legacy) agent file; export it again in the v2 format to import it here")
    agents = document.get("agents")
    if not isinstance(agents, list) or not agents or not all(isinstance(a, dict) for a in agents):
        raise BadRequestError("the agent file has no agents")

    def by_id(key: str) -> dict[str, dict[str, Any]]:
        items = document.get(key) or []
        if not isinstance(items, list):
            raise BadRequestError(f"'{key}' of the agent file must be a list")
        return {str(item.get("id")): item for item in items if isinstance(item, dict)}

    return agents, by_id("blocks"), by_id("tools")


@dataclass
class _Plan:
    """What an agent of the file becomes here, worked out before anything is made."""

    model: str
    blocks: list[NewBlock]
    tools: list[str]
    llm: dict[str, Any]


def _plan(
    entry: Mapping[str, Any],
    blocks: Mapping[str, Mapping[str, Any]],
    tools: Mapping[str, Mapping[str, Any]],
    *,
    model: str | None,
    server_tools: Sequence[str],
) -> _Plan:
    given_llm = entry.get("llm_config")
    llm: dict[str, Any] = given_llm if isinstance(given_llm, dict) else {}
    handle = model or entry.get("model") or llm.get("handle")
    if not handle and llm.get("model"):
        handle = f"{llm.get('model_endpoint_type') or 'openai'}/{llm['model']}"
    if not isinstance(handle, str) or not handle:
        raise BadRequestError(f"agent {entry.get('id')!r} of the file names no model; pass one to import it")
    new_blocks = []
    for block_id in entry.get("block_ids") or []:
        spec = blocks.get(str(block_id))
        if spec is None:
            raise BadRequestError(f"agent {entry.get('id')!r} names block {block_id!r}, which the file does not have")
        new_blocks.append(
            NewBlock(
                label=str(spec.get("label") or "block"),
                value=str(spec.get("value") or ""),
                description=spec.get("description"),
                limit=int(spec.get("limit") or len(str(spec.get("value") or "")) or 1),
                read_only=bool(spec.get("read_only")),
            )
        )
    names = []
    for tool_id in entry.get("tool_ids") or []:
        tool = tools.get(str(tool_id)) or {}
        tool_name = str(tool.get("name") or "")
        if tool_name and (tool.get("tool_type") == OUR_TOOL_TYPE or tool_name in server_tools):
            names.append(tool_name)
    return _Plan(handle, new_blocks, names, llm)


def _create(
    service: AgentService, entry: Mapping[str, Any], plan: _Plan, *, name: str | None, copy: bool, explicit_model: bool
) -> AgentState:
    agent_name = name or str(entry.get("name") or "imported agent")
    window = entry.get("context_window_limit") or plan.llm.get("context_window")
    return service.create_agent(
        name=f"{agent_name}__copy" if copy else agent_name,
        model=plan.model,
        system=entry.get("system") or None,
        memory_blocks=plan.blocks,
        tools=plan.tools,
        description=entry.get("description"),
        tags=[str(t) for t in entry.get("tags") or []],
        metadata=entry.get("metadata") if isinstance(entry.get("metadata"), dict) else None,
        context_window=int(window) if window and not explicit_model else None,
    )


def _add_messages(
    service: AgentService, agent: AgentState, entry: Mapping[str, Any], server_tools: Sequence[str]
) -> None:
    conv = service.conversations.default_for(agent.id)
    in_context = {str(i) for i in entry.get("in_context_message_ids") or []}
    rows: list[Message] = []
    first_in_context: int | None = None
    for item in entry.get("messages") or []:
        if not isinstance(item, dict) or item.get("role") not in ("user", "assistant", "tool"):
            continue  # a Letta server's compiled system message, or nothing we can store
        if first_in_context is None and (not in_context or str(item.get("id")) in in_context):
            first_in_context = len(rows)
        rows.append(_stored(item, agent.id, conv.id, server_tools))
    service.conversations.add_messages(rows)
    if rows and first_in_context:  # the messages before it were out of the context in the file
        service.conversations.update(conv.id, context_start=service.conversations.seq_of(rows[first_in_context - 1].id))


def _stored(item: Mapping[str, Any], agent_id: str, conversation_id: str, server_tools: Sequence[str]) -> Message:
    parts = item.get("content")
    if isinstance(parts, str):
        parts = [{"type": "text", "text": parts}]
    content: list[dict[str, Any]] = []
    reasoning = signature = None
    for part in parts if isinstance(parts, list) else []:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "reasoning":
            reasoning, signature = str(part.get("reasoning") or ""), part.get("signature")
        elif kind == "image" and isinstance(part.get("source"), dict):
            source = part["source"]
            content.append({"type": "image", "media_type": source.get("media_type"), "data": source.get("data")})
        elif kind == "text":
            content.append({"type": "text", "text": str(part.get("text", ""))})
    calls = []
    for call in item.get("tool_calls") or []:
        function = call.get("function") or {}
        tool_name = str(function.get("name") or "")
        calls.append(
            {
                "id": str(call.get("id") or new_id("call")),
                "name": tool_name,
                "arguments": str(function.get("arguments") or "{}"),
                "client": tool_name not in server_tools,
            }
        )
    returns = item.get("tool_returns") or []
    status = returns[0].get("status") if returns and isinstance(returns[0], dict) else None
    created = item.get("created_at")
    return Message(
        id=new_id("message"),
        agent_id=agent_id,
        conversation_id=conversation_id,
        role=str(item["role"]),
        content=content,
        reasoning=reasoning,
        reasoning_signature=signature,
        tool_calls=calls,
        tool_call_id=item.get("tool_call_id"),
        tool_status=("error" if status == "error" else "success") if item["role"] == "tool" else None,
        created_at=_parse_time(created),
    )


def _parse_time(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
