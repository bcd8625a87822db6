"""Request bodies of the Letta API subset we serve (unknown fields are accepted and ignored).

Every number has bounds, so a value the store cannot hold (SQLite integers end at 2**63)
is a 422 naming the field, not a 500.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from letta_code.schemas.chunks import ClientSkillSchema, ClientToolSchema
from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT, DEFAULT_MAX_STEPS
from letta_code.schemas.state import NewBlock
from letta_code.service.message_search import SEARCH_LIMIT
from letta_code.service.store.times import end_of_day

# Context windows, in tokens: the largest models take a few million.
MAX_TOKENS = 1_000_000_000
# A memory block's limit, in characters (a request body is a few MB at most anyway).
MAX_CHARS = 1_000_000_000
MAX_STEPS = 10_000
# A position in a run's stream: the largest integer every JSON client reads exactly.
MAX_SEQ = 2**53 - 1
TOOL_NAME = r"^[a-zA-Z0-9_-]{1,64}$"
# An end bound: "on or before"; a bare date (2025-01-31) is the whole of that day.
EndTime = Annotated[datetime | None, BeforeValidator(end_of_day)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class LlmConfigIn(_Open):
    """The parts of Letta's llm_config we use; checked, since they end up stored."""

    handle: str | None = None
    model: str | None = None
    context_window: int | None = Field(default=None, gt=0, le=MAX_TOKENS)


class MemoryBlockIn(_Open):
    label: str = Field(min_length=1)
    value: str = ""
    description: str | None = None
    limit: int | None = Field(default=None, gt=0, le=MAX_CHARS)
    read_only: bool = False
    metadata: dict[str, Any] | None = None

    def spec(self) -> NewBlock:
        """The block as the service creates it (no limit given: the default one)."""
        limit = self.limit or DEFAULT_BLOCK_LIMIT
        return NewBlock(self.label, self.value, self.description, limit, self.read_only)


class AgentCreate(_Open):
    name: str | None = None
    model: str | None = Field(None, description="Model handle, e.g. openai/gpt-4.1 or an alias")
    llm_config: LlmConfigIn | None = None
    system: str | None = None
    description: str | None = None
    memory_blocks: list[MemoryBlockIn] | None = None
    block_ids: list[str] | None = None
    tools: list[str] | None = Field(None, description="Tool names to attach")
    tool_ids: list[str] | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    context_window_limit: int | None = Field(default=None, gt=0, le=MAX_TOKENS)


class AgentUpdate(_Open):
    name: str | None = None
    model: str | None = None
    llm_config: LlmConfigIn | None = None
    system: str | None = None
    description: str | None = None
    block_ids: list[str] | None = None
    tools: list[str] | None = Field(None, description="Tool names (replaces the attached set)")
    tool_ids: list[str] | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    context_window_limit: int | None = Field(default=None, gt=0, le=MAX_TOKENS)


class BlockCreate(_Open):
    label: str = Field(min_length=1)
    value: str = ""
    description: str | None = None
    limit: int | None = Field(default=None, gt=0, le=MAX_CHARS)
    read_only: bool = False
    metadata: dict[str, Any] | None = None


class BlockUpdate(_Open):
    value: str | None = None
    label: str | None = Field(default=None, min_length=1)
    description: str | None = None
    limit: int | None = Field(default=None, gt=0, le=MAX_CHARS)
    read_only: bool | None = None
    metadata: dict[str, Any] | None = None


class ClientTool(_Open):
    # What the model APIs (OpenAI, Anthropic) take as a tool name; anything else they refuse.
    name: str = Field(pattern=TOOL_NAME)
    description: str | None = None
    parameters: dict[str, Any] | None = None

    def spec(self) -> ClientToolSchema:
        """The tool as the service takes it (which reads no parameters as a tool that takes none)."""
        return {"name": self.name, "description": self.description or "", "parameters": self.parameters or {}}


class ClientSkill(_Open):
    name: str
    description: str = ""
    location: str = ""

    def spec(self) -> ClientSkillSchema:
        return {"name": self.name, "description": self.description, "location": self.location}


class MessageRequest(_Open):
    messages: list[dict[str, Any]] | None = None
    input: str | list[Any] | None = Field(None, description="Shorthand for one user message")
    client_tools: list[ClientTool] | None = None
    client_skills: list[ClientSkill] | None = Field(
        None, description="Skills of the client's environment, listed in the system prompt for this run"
    )
    stream_tokens: bool = False
    streaming: bool | None = None
    background: bool = False
    max_steps: int = Field(
        default=DEFAULT_MAX_STEPS, ge=0, le=MAX_STEPS, description="0: record tool results, take no step"
    )
    include_pings: bool | None = None
    override_model: str | None = None
    include_return_message_types: list[str] | None = None
    agent_id: str | None = Field(None, description="With conversation 'default': the agent")

    def input_messages(self) -> list[dict[str, Any]]:
        if self.messages:
            return list(self.messages)
        if self.input is not None:
            return [{"role": "user", "content": self.input}]
        return []


class StreamRequest(_Open):
    starting_after: int = Field(default=0, ge=0, le=MAX_SEQ)
    include_pings: bool | None = None
    run_id: str | None = None
    agent_id: str | None = None


class CancelRequest(_Open):
    run_ids: list[str] | None = None


class CompactRequest(_Open):
    agent_id: str | None = Field(None, description="With conversation 'default': the agent")
    compaction_settings: dict[str, Any] | None = Field(
        None, description="Accepted for compatibility; the agent's own model writes the summary"
    )


class ConversationCreate(_Open):
    summary: str | None = None
    model: str | None = Field(default=None, description="Run this conversation on this model instead of the agent's")
    context_window_limit: int | None = Field(default=None, gt=0, le=MAX_TOKENS)
    model_settings: dict[str, Any] | None = Field(default=None, description="Accepted; the provider's defaults apply")


class ConversationUpdate(_Open):
    summary: str | None = None
    model: str | None = None
    context_window_limit: int | None = Field(default=None, gt=0, le=MAX_TOKENS)
    model_settings: dict[str, Any] | None = None


class ReflectionRequest(_Open):
    min_user_turns: int = Field(1, ge=0, le=1_000_000, description="Start only when this many user turns came since")
    model: str | None = Field(None, description="The model of the pass (default: the agent's)")


class PassageCreate(_Open):
    text: str = Field(description="Text to write to archival memory")
    created_at: datetime | None = Field(None, description="When the memory was made (default: now)")
    tags: list[str] | None = None


class RevertRequest(_Open):
    version: int = Field(ge=1, le=MAX_SEQ, description="The revision whose value the block gets back")


class MessageSearchRequest(_Open):
    query: str = Field(description="Words to look for (as the conversation_search tool takes them)")
    agent_id: str | None = None
    conversation_id: str | None = None
    start_date: datetime | None = Field(None, description="Only messages created from then on")
    end_date: EndTime = Field(None, description="Only messages created on or before then (a date: that whole day)")
    limit: int = Field(SEARCH_LIMIT, ge=1, le=1000)
    search_mode: Literal["vector", "fts", "hybrid"] | None = Field(
        None, description="Accepted; the search is full-text"
    )
