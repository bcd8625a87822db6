"""SQLAlchemy 2 models of the agent service: agents, blocks, conversations, messages, runs.

Schema changes go through Alembic migrations in `migrations/` (applied on start).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT, DEFAULT_CONTEXT_WINDOW


def new_id(prefix: str) -> str:
    """IDs are `<prefix>-<uuid4>`, as in the Letta API."""
    return f"{prefix}-{uuid.uuid4()}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    system: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String)
    context_window: Mapped[int] = mapped_column(Integer, default=DEFAULT_CONTEXT_WINDOW)
    # Names of the tools attached to the agent (server-side and linked client tools).
    tools: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Block(Base):
    __tablename__ = "blocks"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    label: Mapped[str] = mapped_column(String, index=True)
    value: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    limit: Mapped[int] = mapped_column("char_limit", Integer, default=DEFAULT_BLOCK_LIMIT)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on every write; edits use it for optimistic concurrency.
    version: Mapped[int] = mapped_column(Integer, default=1)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BlockRevision(Base):
    """Every change to a block: who, when, old and new value."""

    __tablename__ = "block_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    block_id: Mapped[str] = mapped_column(ForeignKey("blocks.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    agent_id: Mapped[str | None] = mapped_column(String, nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(String, nullable=True)
    source: Mapped[str] = mapped_column(String, default="api")  # tool name or "api"
    # The tool call that made the edit: a call re-run after a crash finds its edit here.
    tool_call_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgentBlock(Base):
    __tablename__ = "agent_blocks"

    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    block_id: Mapped[str] = mapped_column(ForeignKey("blocks.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Messages with seq <= context_start are out of the context window (after /clear),
    # but stay stored and searchable.
    context_start: Mapped[int] = mapped_column(Integer, default=0)
    # The conversation's own model handle and context window (NULL: the agent's).
    model: Mapped[str | None] = mapped_column(String, nullable=True)
    context_window_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Message(Base):
    """One stored message, in neutral form (see `service/messages.py` for Letta views)."""

    __tablename__ = "messages"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String, unique=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String)  # user | assistant | tool | system
    # Text parts: [{"type": "text", "text": ...}] (images: {"type": "image", ...}).
    content: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reasoning: Mapped[str | None] = mapped_column(Text, nullable=True)
    reasoning_signature: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Assistant: [{"id", "name", "arguments", "client": bool}]
    tool_calls: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tool_call_id: Mapped[str | None] = mapped_column(String, nullable=True)
    tool_status: Mapped[str | None] = mapped_column(String, nullable=True)
    otid: Mapped[str | None] = mapped_column(String, nullable=True)
    run_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    step_id: Mapped[str | None] = mapped_column(String, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_messages_conversation_seq", "conversation_id", "seq"),
        Index("ix_messages_agent_seq", "agent_id", "seq"),
    )


class Passage(Base):
    """One archival memory passage of an agent (full-text indexed by `archival_passages_fts`)."""

    __tablename__ = "archival_passages"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String, unique=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_archival_passages_agent_seq", "agent_id", "seq"),)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str] = mapped_column(String, index=True)
    status: Mapped[str] = mapped_column(String, default="created")  # created|running|completed|failed|cancelled
    stop_reason: Mapped[str | None] = mapped_column(String, nullable=True)
    background: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    usage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # "<hostname>:<pid>:<process start>" of the process executing the run. A run whose owner
    # died is resumed by `letta server` on start (background runs) or failed.
    owner: Mapped[str | None] = mapped_column(String, nullable=True)
    # How the run was requested (client tools, stream_tokens, max_steps, override_model).
    request: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RunChunk(Base):
    """Every streamed chunk of a run, for resuming with `starting_after`."""

    __tablename__ = "run_chunks"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    seq_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
