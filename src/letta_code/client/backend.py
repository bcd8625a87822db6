"""The Backend interface the harness talks to, whatever transport is underneath.

Two implementations: `EmbeddedBackend` (the agent service in this process, the
default) and `HttpBackend` (a Letta server at LETTA_BASE_URL). Every harness test
runs on both. What crosses it is typed: the records of `schemas/state.py`, and the
Letta wire dicts (chunks, tool calls, approvals) as the TypedDicts of `schemas/chunks.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from letta_code.client.models import ModelCatalog
from letta_code.errors import UserError
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


class BackendError(UserError):
    """A request to the agent service failed; `status` (and `status_code`) mirrors the HTTP status."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.status = status
        self.status_code = status


class Backend(Protocol):
    """Operations the harness and CLI need from an agent service."""

    base_url: str | None  # None for the embedded service
    models: ModelCatalog  # handles, windows and the models /model offers (client/models.py)

    async def close(self) -> None: ...

    # agents & blocks
    async def find_agent(self, agent_id: str) -> AgentState | None: ...
    async def list_agents(self) -> list[AgentState]: ...
    async def delete_agent(self, agent_id: str) -> None:
        """Delete the agent, its conversations and messages (BackendError 404 when there is none)."""
        ...

    async def export_agent(self, agent_id: str) -> AgentFile:
        """The agent, its blocks and its default conversation as an agent file."""
        ...

    async def import_agent_file(self, document: AgentFile, *, name: str | None = None) -> list[str]:
        """Create the agents of an agent file (`name`: the new agent's name); their ids."""
        ...

    async def search_messages(self, query: str, *, agent_id: str | None, limit: int) -> list[MessageHitState]:
        """conversation_search over one agent's messages, or every agent's (not hidden ones) with None."""
        ...

    async def create_agent(
        self,
        *,
        name: str,
        model: str,
        block_ids: list[str],
        tools: list[str],
        tags: list[str] | None = None,
    ) -> AgentState: ...
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
        """Change what is given (None: unchanged); the agent as it is then."""
        ...

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
    async def update_block(
        self, block_id: str, value: str, *, limit: int | None = None, source: str | None = None
    ) -> BlockState:
        """Write the block (`source`: what its revision says made the change, where the service
        lets the client say; a server records its own)."""
        ...

    async def block_revisions(self, block_id: str) -> list[BlockRevisionState]:
        """The block's changes, oldest first."""
        ...

    async def revert_block(self, block_id: str, version: int) -> BlockState:
        """The block's value set back to what it was right after `version`, as a new revision."""
        ...

    async def attach_block(self, agent_id: str, block_id: str) -> AgentState: ...

    # conversations
    async def create_conversation(self, agent_id: str) -> ConversationState: ...
    async def find_conversation(self, conversation_id: str) -> ConversationState | None: ...
    async def list_conversations(self, agent_id: str) -> list[ConversationState]: ...
    async def default_conversation(self, agent_id: str) -> ConversationState: ...
    async def clear_context(self, conversation_id: str) -> None: ...
    async def pending_approvals(self, conversation_id: str) -> list[ToolCallData]:
        """The client tool calls the conversation waits on (none: an empty list)."""
        ...

    async def list_messages(self, conversation_id: str, limit: int = DEFAULT_PAGE_SIZE) -> list[MessageView]:
        """The last `limit` messages of the conversation, oldest first, as Letta message views."""
        ...

    async def compact(self, conversation_id: str) -> CompactionReport | None:
        """Summarize the conversation's older messages now (`/compact`).

        The Letta CompactionResponse (`num_messages_before`, `num_messages_after`,
        `summary`) plus `num_messages_summarized`; None when there was nothing to compact.
        """
        ...

    # reflection (service/agent/reflection.py)
    async def reflection_pending(self, agent_id: str) -> int:
        """How many user turns of the agent came since its last reflection pass."""
        ...

    async def reflect(
        self, agent_id: str, *, min_user_turns: int = 1, model: str | None = None
    ) -> ReflectionStart | None:
        """Start a reflection pass (a run of the agent's reflection agent, followed with
        `resume(run_id, 0)`); None when fewer than `min_user_turns` user turns came since the
        last pass, or one is still running. Embedded, the run lives in this process; a server
        runs it in the background."""
        ...

    # runs
    def send(
        self,
        conversation_id: str,
        messages: Sequence[OutgoingMessage],
        *,
        client_tools: Sequence[ClientToolSchema],
        stream_tokens: bool,
        max_steps: int = DEFAULT_MAX_STEPS,
        override_model: str | None = None,
    ) -> AsyncIterator[StreamChunk]:
        """Start a run with `messages`; its chunks as they come (the Letta wire dicts). With
        `override_model` (a `provider/model` handle) this run alone uses that model."""
        ...

    def resume(self, run_id: str, starting_after: int) -> AsyncIterator[StreamChunk]:
        """The run's chunks after `seq_id` `starting_after`, then live ones until it ends."""
        ...

    async def cancel(self, conversation_id: str) -> None: ...
