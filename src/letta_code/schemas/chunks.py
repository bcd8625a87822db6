"""The wire dicts that cross the Backend interface, as types: chunks, approvals, inputs.

`messages.py` holds the dataclasses the service builds; what a backend yields is their
`to_wire()` dict, the Letta JSON, kept as it is (no conversion, so `letta -p
--output-format stream-json` prints each chunk verbatim). The TypedDicts here describe
those dicts for the type checker and cost nothing at run time:

- one per chunk kind, told apart by a Literal `message_type`, and their union
  `StreamChunk` (what `Backend.send`/`resume` yield: pings are dropped before that).
  Narrow with `chunk["message_type"] == "..."`. `MessageView` is the part of it that
  is a stored message (what `Backend.list_messages` returns).
- what the harness sends: `UserInput` and `ApprovalInput` (`OutgoingMessage`), whose
  `approvals` are `ToolResultItem`s and `ApprovalDecisionItem`s, and `ClientToolSchema`
  (a server's other clients may also send `ClientSkillSchema`s).
- what a backend answers besides chunks: `ToolCallData` (a waiting tool call, as
  `pending_approvals` lists them) and `CompactionReport` (`compact`).

Which keys are required: a message's own payload (the fields its dataclass gives no
default) and the discriminators (`message_type`, `event_type` and its `event_data`).
The envelope (`id`, `date`, `otid`, `run_id`, `seq_id`, `step_id`, `name`) and fields
with defaults are not: `to_wire()` leaves out what is None, and the tool returns the
harness reports for local tools carry no date. `tests/schemas/test_chunks.py` holds the
keys of each TypedDict to the fields of its dataclass, so the two cannot drift apart.

No `from __future__ import annotations` here: Python 3.11 cannot tell `NotRequired`
keys apart in string annotations, and the test reads them.
"""

from typing import Any, Literal, NotRequired, TypeAlias, TypedDict, final

from letta_code.schemas.messages import StopReasonType

# A tool call's arguments, parsed from its `arguments` string: a JSON object shaped by that
# tool's own parameters schema (only the tool checks it), so free-form to everyone else.
ToolArguments: TypeAlias = dict[str, Any]


class TextPart(TypedDict):
    type: Literal["text"]
    text: str


class ImageSource(TypedDict):
    type: Literal["base64"]
    media_type: str
    data: str


class ImagePart(TypedDict):
    type: Literal["image"]
    source: ImageSource


# One part of a message's content when it is not plain text.
ContentPart: TypeAlias = TextPart | ImagePart


class ToolCallData(TypedDict):
    """A tool call the model made (`schemas.messages.ToolCall` on the wire)."""

    name: str
    arguments: str  # JSON text; parsed it is `ToolArguments`
    tool_call_id: str


# -- chunks ------------------------------------------------------------------------


class _Envelope(TypedDict):
    """The fields every Letta message has around its payload (`_LettaMessage`)."""

    id: NotRequired[str]
    date: NotRequired[str]  # ISO 8601
    otid: NotRequired[str]
    run_id: NotRequired[str]
    seq_id: NotRequired[int]
    step_id: NotRequired[str]
    name: NotRequired[str]


class SystemChunk(_Envelope):
    message_type: Literal["system_message"]
    content: str


class UserChunk(_Envelope):
    message_type: Literal["user_message"]
    content: str | list[ContentPart]


class ReasoningChunk(_Envelope):
    message_type: Literal["reasoning_message"]
    reasoning: str
    source: NotRequired[Literal["reasoner_model", "non_reasoner_model"]]
    signature: NotRequired[str]


class AssistantChunk(_Envelope):
    message_type: Literal["assistant_message"]
    content: str | list[TextPart]  # ours is text; a Letta server may send parts


class ToolCallChunk(_Envelope):
    """A call of a tool the service runs itself (memory, search)."""

    message_type: Literal["tool_call_message"]
    tool_call: ToolCallData


class ApprovalRequestChunk(_Envelope):
    """Client tool calls the harness must run (or refuse) and answer."""

    message_type: Literal["approval_request_message"]
    tool_call: ToolCallData
    tool_calls: NotRequired[list[ToolCallData]]


class ToolReturnChunk(_Envelope):
    message_type: Literal["tool_return_message"]
    tool_return: str
    status: Literal["success", "error"]
    tool_call_id: str
    stdout: NotRequired[list[str]]
    stderr: NotRequired[list[str]]


class ApprovalResponseChunk(_Envelope):
    message_type: Literal["approval_response_message"]
    approvals: NotRequired[list["ApprovalItem"]]


class ContextSizes(TypedDict, total=False):
    """The service's estimates of the prompt around a compaction (tokens); a Letta server
    may report neither."""

    context_tokens_before: int
    context_tokens_after: int


class CompactionEventData(ContextSizes, total=False):
    trigger: Literal["context_window_exceeded", "post_step_context_check"]
    context_window: int
    messages_count_before: int
    messages_count_after: int


class SupersededEventData(TypedDict, total=False):
    message_id: str  # drop every chunk of this partial message
    replaced_by: str  # the message id the redone step streams under
    reason: str


class CompactionEventChunk(_Envelope):
    """The service compacted the conversation on its own (`EventMessage`)."""

    message_type: Literal["event_message"]
    event_type: Literal["compaction"]
    event_data: CompactionEventData


class SupersededEventChunk(_Envelope):
    """A step redone after a server restart answered differently (`EventMessage`)."""

    message_type: Literal["event_message"]
    event_type: Literal["message_superseded"]
    event_data: SupersededEventData


class _RunEnvelope(TypedDict):
    run_id: NotRequired[str]
    seq_id: NotRequired[int]


class StopReasonChunk(_RunEnvelope):
    message_type: Literal["stop_reason"]
    stop_reason: StopReasonType


class UsageChunk(_RunEnvelope):
    """One run's usage: its steps and tokens, summed."""

    message_type: Literal["usage_statistics"]
    prompt_tokens: NotRequired[int]
    completion_tokens: NotRequired[int]
    total_tokens: NotRequired[int]
    step_count: NotRequired[int]
    cached_input_tokens: NotRequired[int]
    cache_write_tokens: NotRequired[int]
    estimated: NotRequired[bool]
    run_ids: NotRequired[list[str]]


class ErrorChunk(_RunEnvelope):
    message_type: Literal["error_message"]
    error_type: str
    message: str
    detail: NotRequired[str]


class PingChunk(TypedDict):
    """A keep-alive a server sends while a run is quiet; `HttpBackend` drops it."""

    message_type: Literal["ping"]
    id: NotRequired[str]
    date: NotRequired[str]
    run_id: NotRequired[str]


# A stored message, as `Backend.list_messages` returns them (oldest first).
MessageView: TypeAlias = (
    SystemChunk
    | UserChunk
    | ReasoningChunk
    | AssistantChunk
    | ToolCallChunk
    | ApprovalRequestChunk
    | ToolReturnChunk
    | ApprovalResponseChunk
)
# What `Backend.send` and `Backend.resume` yield.
StreamChunk: TypeAlias = (
    MessageView | CompactionEventChunk | SupersededEventChunk | StopReasonChunk | UsageChunk | ErrorChunk
)


# -- what the harness sends --------------------------------------------------------


class ToolResultItem(TypedDict):
    """The result of a client tool call the harness ran (or answers without running)."""

    type: Literal["tool"]
    tool_call_id: str
    tool_return: str | list[ContentPart]
    status: Literal["success", "error"]


class ApprovalDecisionItem(TypedDict):
    """A call the user refused: the service tells the model, nothing ran."""

    type: Literal["approval"]
    tool_call_id: str
    approve: bool
    reason: NotRequired[str]


ApprovalItem: TypeAlias = ToolResultItem | ApprovalDecisionItem


@final
class UserInput(TypedDict):
    role: Literal["user"]
    content: str | list[ContentPart]
    otid: NotRequired[str]


@final
class ApprovalInput(TypedDict):
    """The answers to a run's approval request, in the order of its calls."""

    type: Literal["approval"]
    approvals: list[ApprovalItem]
    otid: NotRequired[str]


# A message `Backend.send` delivers; final, so `"approvals" in message` tells them apart.
OutgoingMessage: TypeAlias = UserInput | ApprovalInput


class ClientToolSchema(TypedDict):
    """A client tool as the service is told of it (`ClientTool.schema()`)."""

    name: str
    description: str
    parameters: dict[str, Any]  # the JSON schema of its arguments


class ClientSkillSchema(TypedDict):
    """A skill a client says its environment has (the official CLI's `client_skills`)."""

    name: str
    description: str
    location: str  # where the client keeps it (a path on the client's machine)


# -- what a backend answers --------------------------------------------------------


class CompactionReport(ContextSizes):
    """`Backend.compact`'s answer: the Letta CompactionResponse, plus how many messages
    moved out of the context (ours; worked out for a Letta server that does not say)."""

    num_messages_before: int
    num_messages_after: int
    summary: str
    num_messages_summarized: int


__all__ = [
    "ApprovalDecisionItem",
    "ApprovalInput",
    "ApprovalItem",
    "ApprovalRequestChunk",
    "ApprovalResponseChunk",
    "AssistantChunk",
    "ClientToolSchema",
    "CompactionEventChunk",
    "CompactionEventData",
    "CompactionReport",
    "ContentPart",
    "ContextSizes",
    "ErrorChunk",
    "ImagePart",
    "ImageSource",
    "MessageView",
    "OutgoingMessage",
    "PingChunk",
    "ReasoningChunk",
    "StopReasonChunk",
    "StreamChunk",
    "SupersededEventChunk",
    "SupersededEventData",
    "SystemChunk",
    "TextPart",
    "ToolArguments",
    "ToolCallChunk",
    "ToolCallData",
    "ToolResultItem",
    "ToolReturnChunk",
    "UsageChunk",
    "UserChunk",
    "UserInput",
]
