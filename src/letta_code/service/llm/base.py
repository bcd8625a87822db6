"""The `Provider` protocol every model adapter implements, and the one stream folder.

A provider turns a neutral `ChatRequest` into a stream of neutral events
(`TextDelta`, `ReasoningDelta`, `ToolCallDelta`, then `Usage`, then `Finish` last)
and raises `LLMError` (one actionable line) when the call fails.
`StreamAccumulator` folds those events into one assistant message; it is the only
place that does (the agent loop feeds it event by event, compaction drains a whole
stream into it with `collect`). This module imports no HTTP library, so `registry`
stays cheap to import.
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
    accepts_images: bool  # False: images go out as a one-line note (`vision.without_images`)

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream one model response (an async generator)."""
        ...


@dataclass
class PartialCall:
    """One tool call as its `ToolCallDelta`s built it so far (the arguments may be half a JSON text).

    The id is the last non-empty one given; argument pieces concatenate. The name
    follows one rule: a piece equal to the whole name so far is a repeat and is
    dropped; any other piece is appended. So OpenAI, which sends the name in the
    first delta only, gives that name; a server that repeats the whole name in
    every delta (MiniMax models on NVIDIA NIM) gives it once, not "BashBash"; a
    server that streams the name in fragments (seen with Gemini: "edit_ex",
    "isting_file") gets it joined, even where a fragment starts like the name so
    far ("s", "sh_exec" is "ssh_exec"). Only a fragment equal to the whole name so
    far (a tool named "getget" sent as "get", "get") would be misread, as a repeat.
    """

    id: str = ""
    name: str = ""
    arguments: str = ""

    def add(self, delta: ToolCallDelta) -> None:
        if delta.id:
            self.id = delta.id
        if delta.name:
            self.name = self.name if delta.name == self.name else self.name + delta.name
        self.arguments += delta.arguments


@dataclass
class StreamAccumulator:
    """Folds stream events into one assistant message (text, reasoning, tool calls, usage).

    Usage: a stream may report usage more than once (Anthropic gives the prompt
    at the start and the output at the end); each count is the largest reported,
    and a cache count stays None until some event reports it. `usage_reported`
    says the server reported a prompt size at all (else the caller estimates).
    """

    text: str = ""
    reasoning: str = ""
    signature: str | None = None
    usage: Usage = field(default_factory=Usage)
    usage_reported: bool = False
    finish_reason: str | None = None
    calls: dict[int, PartialCall] = field(default_factory=dict)  # by the deltas' `index`

    def feed(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            self.text += event.text
        elif isinstance(event, ReasoningDelta):
            self.reasoning += event.text
            if event.signature:
                self.signature = event.signature
        elif isinstance(event, ToolCallDelta):
            self.calls.setdefault(event.index, PartialCall()).add(event)
        elif isinstance(event, Usage):
            self.usage_reported = self.usage_reported or event.prompt_tokens > 0
            self.usage = Usage(
                max(self.usage.prompt_tokens, event.prompt_tokens),
                max(self.usage.completion_tokens, event.completion_tokens),
                _max_known(self.usage.cached_tokens, event.cached_tokens),
                _max_known(self.usage.cache_write_tokens, event.cache_write_tokens),
            )
        elif isinstance(event, Finish):
            self.finish_reason = event.reason

    def partial_calls(self) -> list[PartialCall]:
        """The tool calls in the order of their index, as streamed (arguments may be empty)."""
        return [call for _, call in sorted(self.calls.items())]

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [ToolCall(id=c.id, name=c.name, arguments=c.arguments or "{}") for c in self.partial_calls()]

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
