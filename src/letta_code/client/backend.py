"""The Backend interface the harness talks to, whatever transport is underneath.

Two implementations: `EmbeddedBackend` (the agent service in this process, the
default) and `HttpBackend` (a Letta server at LETTA_BASE_URL). Every harness test
runs on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from letta_code.errors import UserError
from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT, DEFAULT_MAX_STEPS, DEFAULT_PAGE_SIZE
from letta_code.schemas.state import AgentState, BlockState, ConversationState


class BackendError(UserError):
    """A request to the agent service failed; `status` (and `status_code`) mirrors the HTTP status."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.status = status
        self.status_code = status


class Backend(Protocol):
    """Operations the harness and CLI need from an agent service."""

    base_url: str | None  # None for the embedded service

    async def close(self) -> None: ...

    # agents & blocks
    async def find_agent(self, agent_id: str) -> AgentState | None: ...
    async def list_agents(self) -> list[AgentState]: ...
    async def create_agent(
        self,
        *,
        name: str,
        model: str,
        block_ids: list[str],
        tools: list[str],
        tags: list[str] | None = None,
    ) -> AgentState: ...
    async def update_agent(self, agent_id: str, **fields: Any) -> AgentState: ...
    async def find_block(self, block_id: str) -> BlockState | None: ...
    async def create_block(
        self,
        label: str,
        value: str,
        *,
        description: str | None = None,
        limit: int = DEFAULT_BLOCK_LIMIT,
        read_only: bool = False,
    ) -> BlockState: ...
    async def update_block(self, block_id: str, value: str, *, limit: int | None = None) -> BlockState: ...
    async def attach_block(self, agent_id: str, block_id: str) -> AgentState: ...

    # conversations
    async def create_conversation(self, agent_id: str) -> ConversationState: ...
    async def find_conversation(self, conversation_id: str) -> ConversationState | None: ...
    async def list_conversations(self, agent_id: str) -> list[ConversationState]: ...
    async def default_conversation(self, agent_id: str) -> ConversationState: ...
    async def clear_context(self, conversation_id: str) -> None: ...
    async def pending_approvals(self, conversation_id: str) -> list[dict[str, Any]]: ...
    async def list_messages(self, conversation_id: str, limit: int = DEFAULT_PAGE_SIZE) -> list[dict[str, Any]]: ...
    async def compact(self, conversation_id: str) -> dict[str, Any] | None:
        """Summarize the conversation's older messages now (`/compact`).

        The Letta CompactionResponse (`num_messages_before`, `num_messages_after`,
        `summary`) plus `num_messages_summarized`; None when there was nothing to compact.
        """
        ...

    # runs
    def send(
        self,
        conversation_id: str,
        messages: list[dict[str, Any]],
        *,
        client_tools: list[dict[str, Any]],
        stream_tokens: bool,
        max_steps: int = DEFAULT_MAX_STEPS,
    ) -> AsyncIterator[dict[str, Any]]: ...
    def resume(self, run_id: str, starting_after: int) -> AsyncIterator[dict[str, Any]]: ...
    async def cancel(self, conversation_id: str) -> None: ...
