"""The `Provider` protocol every model adapter implements, and a stream accumulator.

A provider turns a neutral `ChatRequest` into a stream of neutral events
(`TextDelta`, `ReasoningDelta`, `ToolCallDelta`, then `Usage`, then `Finish` last)
and raises `LLMError` (one actionable line) when the call fails. This module
imports no HTTP library, so `registry` stays cheap to import.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from letta_code.service.llm.types import (
    ChatMessage,
    ChatRequest,
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
)


@runtime_checkable
class Provider(Protocol):
    """A model endpoint: `async for event in provider.stream(request): ...`."""

    name: str  # the handle prefix: "openai", "anthropic", "ollama", ...
    base_url: str

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream one model response (an async generator)."""
        ...


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass
class StreamAccumulator:
    """Folds stream events into one assistant message (text, reasoning, tool calls)."""

    text: str = ""
    reasoning: str = ""
    signature: str | None = None
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    _calls: dict[int, _PartialCall] = field(default_factory=dict)

    def feed(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            self.text += event.text
        elif isinstance(event, ReasoningDelta):
            self.reasoning += event.text
            if event.signature:
                self.signature = event.signature
        elif isinstance(event, ToolCallDelta):
            call = self._calls.setdefault(event.index, _PartialCall())
            if event.id:
                call.id = event.id
            if event.name:
                call.name = event.name
            call.arguments += event.arguments
        elif isinstance(event, Usage):
            self.usage = Usage(
                max(self.usage.prompt_tokens, event.prompt_tokens),
                max(self.usage.completion_tokens, event.completion_tokens),
                _max_known(self.usage.cached_tokens, event.cached_tokens),
                _max_known(self.usage.cache_write_tokens, event.cache_write_tokens),
            )
        elif isinstance(event, Finish):
            self.finish_reason = event.reason

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [ToolCall(id=c.id, name=c.name, arguments=c.arguments or "{}") for _, c in sorted(self._calls.items())]

    def message(self) -> ChatMessage:
        """The assistant message to append to the history."""
        return ChatMessage(
            role="assistant",
            content=self.text,
            tool_calls=self.tool_calls,
            reasoning=self.reasoning or None,
            reasoning_signature=self.signature,
        )


def _max_known(a: int | None, b: int | None) -> int | None:
    """The larger of two counts, where None means "not reported"."""
    if a is None:
        return b
    return a if b is None else max(a, b)


async def collect(events: AsyncIterable[StreamEvent]) -> StreamAccumulator:
    """Drain a stream into a `StreamAccumulator` (for non-interactive calls)."""
    acc = StreamAccumulator()
    async for event in events:
        acc.feed(event)
    return acc
