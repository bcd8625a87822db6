"""EmbeddedBackend: the agent service running inside the `letta` process.

The service hands out and takes the Letta wire dicts as plain, untyped dicts; they are
the very dicts `schemas/chunks.py` types, so they pass through here with a `cast` (no
copy, no check) where the Backend interface names their TypedDicts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from letta_code.client.backend import BackendError
from letta_code.client.models import EmbeddedModelCatalog, ModelCatalog
from letta_code.schemas.chunks import (
    ClientToolSchema,
    CompactionReport,
    MessageView,
    OutgoingMessage,
    StreamChunk,
    ToolCallData,
)
from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT, DEFAULT_MAX_STEPS, DEFAULT_PAGE_SIZE
from letta_code.schemas.state import (
    AgentFile,
    AgentState,
    BlockRevisionState,
    BlockState,
    ConversationState,
    MessageHitState,
    ReflectionStart,
)
from letta_code.service import agentfile
from letta_code.service.agent.history import to_letta_messages
from letta_code.service.errors import NotFoundError, ServiceError
from letta_code.service.service import AgentService


@contextmanager
def service_errors() -> Iterator[None]:
    """A service error as the BackendError the harness handles (the same detail and status)."""
    try:
        yield
    except ServiceError as exc:
        raise BackendError(exc.detail, exc.status_code) from exc


class EmbeddedBackend:
    base_url: str | None = None

    def __init__(self, db_path: Path, env: Mapping[str, str] | None = None) -> None:
        self.service = AgentService(db_path, env)
        self.models: ModelCatalog = EmbeddedModelCatalog(env)

    async def close(self) -> None:
        return None

    async def find_agent(self, agent_id: str) -> AgentState | None:
        return self.service.agents.find_agent(agent_id)

    async def list_agents(self) -> list[AgentState]:
        return self.service.agents.list_agents()

    async def delete_agent(self, agent_id: str) -> None:
        with service_errors():
            self.service.agents.delete_agent(agent_id)

    async def export_agent(self, agent_id: str) -> AgentFile:
        with service_errors():
            return agentfile.export_agent(self.service, agent_id)

    async def import_agent_file(self, document: AgentFile, *, name: str | None = None) -> list[str]:
        with service_errors():
            return agentfile.import_agents(self.service, document, name=name)

    async def search_messages(self, query: str, *, agent_id: str | None, limit: int) -> list[MessageHitState]:
        with service_errors():
            hits = self.service.search_messages(query, agent_id=agent_id, limit=limit)
        return [
            MessageHitState(h.message_id, h.role, h.snippet, h.agent_id, h.conversation_id, h.created_at) for h in hits
        ]

    async def create_agent(
        self,
        *,
        name: str,
        model: str,
        block_ids: list[str],
        tools: list[str],
        tags: list[str] | None = None,
    ) -> AgentState:
        return self.service.create_agent(name=name, model=model, block_ids=block_ids, tools=tools, tags=tags)

    async def update_agent(
        self,
        agent_id: str,
        *,
        name: str | None = None,
        model: str | None = None,
        tools: list[str] | None = None,
        context_window: int | None = None,
        system: str | None = None,
    ) -> AgentState:
        given = {"name": name, "model": model, "tools": tools, "context_window": context_window, "system": system}
        return self.service.agents.update_agent(agent_id, **{k: v for k, v in given.items() if v is not None})

    async def find_block(self, block_id: str) -> BlockState | None:
        return self.service.agents.find_block(block_id)

    async def create_block(
        self,
        label: str,
        value: str,
        *,
        description: str | None = None,
        limit: int = DEFAULT_BLOCK_LIMIT,
        read_only: bool = False,
    ) -> BlockState:
        return self.service.agents.create_block(label, value, description=description, limit=limit, read_only=read_only)

    async def update_block(
        self, block_id: str, value: str, *, limit: int | None = None, source: str | None = None
    ) -> BlockState:
        fields: dict[str, Any] = {"limit": limit} if limit is not None else {}
        if source is not None:
            fields["source"] = source
        with service_errors():
            block = self.service.agents.write_block(block_id, value, **fields)
        assert block is not None  # without expected_version a write either lands or raises
        return block

    async def attach_block(self, agent_id: str, block_id: str) -> AgentState:
        with service_errors():
            return self.service.agents.attach_block(agent_id, block_id)

    async def block_revisions(self, block_id: str) -> list[BlockRevisionState]:
        with service_errors():
            entries = self.service.block_revisions(block_id)
        return [
            BlockRevisionState(
                version=e.revision.version,
                old_value=e.revision.old_value,
                new_value=e.revision.new_value,
                diff=e.diff,
                source=e.revision.source,
                agent_id=e.revision.agent_id,
                conversation_id=e.revision.conversation_id,
                created_at=e.revision.created_at,
            )
            for e in entries
        ]

    async def revert_block(self, block_id: str, version: int) -> BlockState:
        with service_errors():
            return self.service.revert_block(block_id, version)

    async def create_conversation(self, agent_id: str) -> ConversationState:
        return self.service.create_conversation(agent_id)

    async def find_conversation(self, conversation_id: str) -> ConversationState | None:
        try:
            return self.service.conversations.get(conversation_id)
        except NotFoundError:
            return None

    async def list_conversations(self, agent_id: str) -> list[ConversationState]:
        return self.service.conversations.list(agent_id)

    async def default_conversation(self, agent_id: str) -> ConversationState:
        return self.service.conversations.default_for(agent_id)

    async def clear_context(self, conversation_id: str) -> None:
        self.service.conversations.clear_context(conversation_id)

    async def pending_approvals(self, conversation_id: str) -> list[ToolCallData]:
        pending = self.service.conversations.pending_approval(conversation_id)
        if pending is None:
            return []
        return [{"tool_call_id": c["id"], "name": c["name"], "arguments": c["arguments"]} for c in pending.tool_calls]

    async def list_messages(self, conversation_id: str, limit: int = DEFAULT_PAGE_SIZE) -> list[MessageView]:
        rows = self.service.conversations.list_messages(conversation_id=conversation_id, limit=limit, ascending=False)
        views = [view.to_wire() for row in reversed(rows) for view in to_letta_messages(row)]
        return cast("list[MessageView]", views)

    async def reflection_pending(self, agent_id: str) -> int:
        with service_errors():
            return self.service.reflections.pending_turns(agent_id)

    async def reflect(
        self, agent_id: str, *, min_user_turns: int = 1, model: str | None = None
    ) -> ReflectionStart | None:
        with service_errors():  # not a background run: it lives and dies with this process, as `send`'s do
            return self.service.reflect(agent_id, min_user_turns=min_user_turns, model=model)

    async def compact(self, conversation_id: str) -> CompactionReport | None:
        with service_errors():
            report = await self.service.compact_report(conversation_id)
        return report if report["num_messages_summarized"] else None

    async def send(
        self,
        conversation_id: str,
        messages: Sequence[OutgoingMessage],
        *,
        client_tools: Sequence[ClientToolSchema],
        stream_tokens: bool,
        max_steps: int = DEFAULT_MAX_STEPS,
        override_model: str | None = None,
    ) -> AsyncIterator[StreamChunk]:
        with service_errors():
            run = self.service.start_run(
                agent_id=None,
                conversation_id=conversation_id,
                messages=messages,
                client_tools=client_tools,
                stream_tokens=stream_tokens,
                max_steps=max_steps,
                background=False,  # the run lives and dies with this process; a server must not resume it
                override_model=override_model,
            )
        async for chunk in self.service.follow_run(run.id):
            yield chunk

    async def resume(self, run_id: str, starting_after: int) -> AsyncIterator[StreamChunk]:
        with service_errors():
            stream = self.service.follow_run(run_id, starting_after)
        async for chunk in stream:
            yield chunk

    async def cancel(self, conversation_id: str) -> None:
        self.service.cancel(conversation_id=conversation_id)
