"""Letta message types: what the service streams, the server sends, and the harness reads.

Field names follow the Letta API (and the official `letta-client` SDK types).
Every streamed chunk is one of these models, dumped with `to_wire()`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

StopReasonType = Literal[
    "end_turn",
    "error",
    "llm_api_error",
    "invalid_llm_response",
    "invalid_tool_call",
    "max_steps",
    "max_tokens_exceeded",
    "no_tool_call",
    "tool_rule",
    "cancelled",
    "requires_approval",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class ToolCall(BaseModel):
    name: str
    arguments: str
    tool_call_id: str


class _LettaMessage(BaseModel):
    id: str
    date: datetime = Field(default_factory=utcnow)
    otid: str | None = None
    run_id: str | None = None
    seq_id: int | None = None
    step_id: str | None = None
    name: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class SystemMessage(_LettaMessage):
    message_type: Literal["system_message"] = "system_message"
    content: str


class UserMessage(_LettaMessage):
    message_type: Literal["user_message"] = "user_message"
    content: str | list[dict[str, Any]]


class ReasoningMessage(_LettaMessage):
    message_type: Literal["reasoning_message"] = "reasoning_message"
    reasoning: str
    source: Literal["reasoner_model", "non_reasoner_model"] = "reasoner_model"
    signature: str | None = None


class AssistantMessage(_LettaMessage):
    message_type: Literal["assistant_message"] = "assistant_message"
    content: str


class ToolCallMessage(_LettaMessage):
    message_type: Literal["tool_call_message"] = "tool_call_message"
    tool_call: ToolCall


class ApprovalRequestMessage(_LettaMessage):
    message_type: Literal["approval_request_message"] = "approval_request_message"
    tool_call: ToolCall
    tool_calls: list[ToolCall] | None = None


class ToolReturnMessage(_LettaMessage):
    message_type: Literal["tool_return_message"] = "tool_return_message"
    tool_return: str
    status: Literal["success", "error"]
    tool_call_id: str
    stdout: list[str] | None = None
    stderr: list[str] | None = None


class ApprovalResponseMessage(_LettaMessage):
    message_type: Literal["approval_response_message"] = "approval_response_message"
    approvals: list[dict[str, Any]] = Field(default_factory=list)


class StopReason(BaseModel):
    message_type: Literal["stop_reason"] = "stop_reason"
    stop_reason: StopReasonType
    run_id: str | None = None
    seq_id: int | None = None

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class UsageStatistics(BaseModel):
    message_type: Literal["usage_statistics"] = "usage_statistics"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    step_count: int = 0
    # Prompt caching, summed over the run's steps; absent when the provider did not report it.
    cached_input_tokens: int | None = None  # part of prompt_tokens read from the cache
    cache_write_tokens: int | None = None  # part of prompt_tokens written to the cache (Anthropic)
    run_ids: list[str] | None = None
    run_id: str | None = None
    seq_id: int | None = None

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class ErrorMessage(BaseModel):
    message_type: Literal["error_message"] = "error_message"
    error_type: str
    message: str
    detail: str | None = None
    run_id: str | None = None
    seq_id: int | None = None

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


LettaMessage = (
    SystemMessage
    | UserMessage
    | ReasoningMessage
    | AssistantMessage
    | ToolCallMessage
    | ApprovalRequestMessage
    | ToolReturnMessage
    | ApprovalResponseMessage
)
StreamChunk = LettaMessage | StopReason | UsageStatistics | ErrorMessage
