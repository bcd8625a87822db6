"""Agent, block, conversation and run records as the service hands them out.

The server turns these into the Letta API's response shapes; the harness and
CLI read them directly. Plain dataclasses: they are built only by our own code
(the service, or `client/http.py` from a server's JSON), and importing pydantic
would cost every `letta` start about 90 ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT, DEFAULT_CONTEXT_WINDOW


@dataclass
class BlockState:
    id: str
    label: str
    value: str
    description: str | None = None
    limit: int = DEFAULT_BLOCK_LIMIT
    read_only: bool = False
    version: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class NewBlock:
    """A memory block to create with an agent (`memory_blocks` of a create request)."""

    label: str
    value: str = ""
    description: str | None = None
    limit: int = DEFAULT_BLOCK_LIMIT
    read_only: bool = False


@dataclass
class AgentState:
    id: str
    name: str
    system: str
    model: str
    description: str | None = None
    context_window: int = DEFAULT_CONTEXT_WINDOW
    tools: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    blocks: list[BlockState] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class ConversationState:
    id: str
    agent_id: str
    is_default: bool = False
    summary: str | None = None
    message_count: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    model: str | None = None  # runs on this model instead of the agent's
    context_window_limit: int | None = None


# An agent file (`.af`, AgentFile v2): a JSON document, passed through as it is written to
# disk (`service/agentfile.py` says what it holds).
AgentFile = dict[str, Any]


@dataclass
class BlockRevisionState:
    """One change to a block: its value before and after, as a unified diff, and who made it."""

    version: int
    old_value: str
    new_value: str
    diff: str
    source: str
    agent_id: str | None = None
    conversation_id: str | None = None
    created_at: datetime | None = None


@dataclass
class MessageHitState:
    """One message search result as a client lists it: the stored text (clipped around the
    match when the message is long) and where the message is."""

    message_id: str
    role: str
    text: str
    agent_id: str
    conversation_id: str
    created_at: datetime | None = None


class RunTotals(TypedDict, total=False):
    """What a run used so far, as stored on it: empty until its first step ends. The
    `usage_statistics` chunk a run streams at its end carries the same counts."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    step_count: int
    estimated: bool  # the model server reported no usage: the counts are our estimate
    cached_input_tokens: int
    cache_write_tokens: int


@dataclass
class ReflectionStart:
    """A reflection pass that started: its run, the reflection agent, and what it reviews."""

    run_id: str
    reflection_agent_id: str
    messages: int
    user_turns: int


@dataclass
class RunState:
    id: str
    agent_id: str
    conversation_id: str
    status: str
    stop_reason: str | None = None
    background: bool = False
    usage: RunTotals = field(default_factory=lambda: RunTotals())
    error: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
