"""Letta message types: what the service streams, the server sends, and the harness reads.

Field names follow the Letta API (and the official `letta-client` SDK types).
Every streamed chunk is one of these models, dumped with `to_wire()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

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


def to_json_value(value: Any) -> Any:
    """A message (or part of one) as JSON-ready data; fields that are None are left out."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json_value(v) for f in fields(value) if (v := getattr(value, f.name)) is not None}
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if value.utcoffset() == timedelta(0) else text
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    return value


class _Wire:
    def to_wire(self) -> dict[str, Any]:
        data: dict[str, Any] = to_json_value(self)
        return data


@dataclass(kw_only=True)
class ToolCall(_Wire):
    name: str
    arguments: str
    tool_call_id: str


@dataclass(kw_only=True)
class _LettaMessage(_Wire):
    id: str
    date: datetime = field(default_factory=utcnow)
    otid: str | None = None
    run_id: str | None = None
    seq_id: int | None = None
    step_id: str | None = None
    name: str | None = None


@dataclass(kw_only=True)
class SystemMessage(_LettaMessage):
    message_type: Literal["system_message"] = "system_message"
    content: str


@dataclass(kw_only=True)
class UserMessage(_LettaMessage):
    message_type: Literal["user_message"] = "user_message"
    content: str | list[dict[str, Any]]


@dataclass(kw_only=True)
class ReasoningMessage(_LettaMessage):
    message_type: Literal["reasoning_message"] = "reasoning_message"
    reasoning: str
    source: Literal["reasoner_model", "non_reasoner_model"] = "reasoner_model"
    signature: str | None = None


@dataclass(kw_only=True)
class AssistantMessage(_LettaMessage):
    message_type: Literal["assistant_message"] = "assistant_message"
    content: str


@dataclass(kw_only=True)
class ToolCallMessage(_LettaMessage):
    message_type: Literal["tool_call_message"] = "tool_call_message"
    tool_call: ToolCall


@dataclass(kw_only=True)
class ApprovalRequestMessage(_LettaMessage):
    message_type: Literal["approval_request_message"] = "approval_request_message"
    tool_call: ToolCall
    tool_calls: list[ToolCall] | None = None


@dataclass(kw_only=True)
class ToolReturnMessage(_LettaMessage):
    message_type: Literal["tool_return_message"] = "tool_return_message"
    tool_return: str
    status: Literal["success", "error"]
    tool_call_id: str
    stdout: list[str] | None = None
    stderr: list[str] | None = None


@dataclass(kw_only=True)
class ApprovalResponseMessage(_LettaMessage):
    message_type: Literal["approval_response_message"] = "approval_response_message"
    approvals: list[dict[str, Any]] = field(default_factory=list)


@dataclass(kw_only=True)
class EventMessage(_LettaMessage):
    """A notice about the run that is not part of the context, e.g. an automatic compaction.

    `event_data` of a compaction: `trigger` ("context_window_exceeded" or
    "post_step_context_check"), `context_window`, `messages_count_before`/`_after`.
    `message_superseded` (a step redone after a server restart answered differently
    than its interrupted first attempt had streamed): `message_id` (drop every chunk
    of that partial message), `replaced_by` (the message id the step streams under now).
    """

    message_type: Literal["event_message"] = "event_message"
    event_type: Literal["compaction", "message_superseded"] = "compaction"
    event_data: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class StopReason(_Wire):
    message_type: Literal["stop_reason"] = "stop_reason"
    stop_reason: StopReasonType
    run_id: str | None = None
    seq_id: int | None = None


@dataclass(kw_only=True)
class UsageStatistics(_Wire):
    message_type: Literal["usage_statistics"] = "usage_statistics"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    step_count: int = 0
    # Prompt caching, summed over the run's steps; absent when the provider did not report it.
    cached_input_tokens: int | None = None  # part of prompt_tokens read from the cache
    cache_write_tokens: int | None = None  # part of prompt_tokens written to the cache (Anthropic)
    # True when the model server reported no usage and the counts are our own estimate.
    estimated: bool | None = None
    run_ids: list[str] | None = None
    run_id: str | None = None
    seq_id: int | None = None


@dataclass(kw_only=True)
class ErrorMessage(_Wire):
    message_type: Literal["error_message"] = "error_message"
    error_type: str
    message: str
    detail: str | None = None
    run_id: str | None = None
    seq_id: int | None = None


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
