"""Provider-neutral request and stream types for the model adapters.

The agent loop builds a `ChatRequest` and reads `StreamEvent`s back; each adapter
(OpenAI Chat Completions, Anthropic Messages) translates both ways over httpx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from letta_code.errors import UserError


class LLMError(UserError):
    """A model call failed; `str(exc)` is one line a user can act on.

    `status` is the HTTP status when the server answered with an error.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ContextWindowExceededError(LLMError):
    """The request is longer than the model's context window (compact and retry).

    `window` is the window size the server named in its error, when it named one.
    """

    def __init__(self, message: str, *, status: int | None = None, window: int | None = None) -> None:
        super().__init__(message, status=status)
        self.window = window


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the model produced it


@dataclass(slots=True)  # a long conversation keeps thousands (`agent/history.py`)
class ChatMessage:
    """One message of the conversation, in neutral form.

    role "system" | "user" | "assistant" | "tool". An assistant message may carry
    `tool_calls` and `reasoning`; a tool message carries `tool_call_id` and the
    result text in `content`. `images` are user/tool image parts
    ([{"media_type", "data"(base64)}]).

    The system prompt may come as several consecutive system messages: the stable
    part first (base instructions), then the parts that change (memory, metadata).
    `cache_breakpoint` marks the end of a stable prefix: providers with explicit
    prompt caching (Anthropic) put a cache breakpoint there; the others join
    consecutive system messages into one.
    """

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    reasoning: str | None = None
    reasoning_signature: str | None = None  # Anthropic thinking-block signature
    images: list[dict[str, str]] = field(default_factory=list)
    cache_breakpoint: bool = False


@dataclass
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]


@dataclass
class ChatRequest:
    model: str  # the provider's model name (handle without the provider prefix)
    messages: list[ChatMessage]
    tools: list[ToolSpec] = field(default_factory=list)
    max_tokens: int | None = None
    temperature: float | None = None
    parallel_tool_calls: bool = True
    reasoning_effort: str | None = None  # OpenAI-style "low" | "medium" | "high"
    thinking_budget: int | None = None  # Anthropic extended thinking budget (tokens)


@dataclass
class TextDelta:
    text: str


@dataclass
class ReasoningDelta:
    text: str
    signature: str | None = None


@dataclass
class ToolCallDelta:
    """A piece of a tool call; `index` identifies the call within the response.

    `id` usually comes once, in the call's first delta. `name` may come once, again
    whole in every delta, or in fragments: `base.PartialCall` folds all three. The
    `arguments` pieces concatenate to the call's JSON text.
    """

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass
class Usage:
    """Token counts of one model call.

    `prompt_tokens` counts the whole prompt, cached or not. `cached_tokens` is the
    part read from the provider's prompt cache, `cache_write_tokens` the part
    written to it (Anthropic); None when the provider did not say.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None


@dataclass
class Finish:
    """Always the last event of a stream (after `Usage`)."""

    reason: str  # "stop" | "tool_calls" | "length" | provider-specific


StreamEvent = TextDelta | ReasoningDelta | ToolCallDelta | Usage | Finish
