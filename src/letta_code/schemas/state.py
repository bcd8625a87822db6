"""Agent, block, conversation and run records as the service hands them out.

The server turns these into the Letta API's response shapes; the harness and
CLI read them directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class BlockState(BaseModel):
    id: str
    label: str
    value: str
    description: str | None = None
    limit: int = 20000
    read_only: bool = False
    version: int = 1
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class AgentState(BaseModel):
    id: str
    name: str
    description: str | None = None
    system: str
    model: str
    context_window: int = 128000
    tools: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    blocks: list[BlockState] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ConversationState(BaseModel):
    id: str
    agent_id: str
    is_default: bool = False
    summary: str | None = None
    message_count: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


class RunState(BaseModel):
    id: str
    agent_id: str
    conversation_id: str
    status: str
    stop_reason: str | None = None
    background: bool = False
    usage: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
