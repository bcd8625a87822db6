"""Helpers for the adapter tests: run a provider's stream to the end in a fresh loop."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from letta_code.service.llm.base import Provider, StreamAccumulator
from letta_code.service.llm.transport import aclose_client
from letta_code.service.llm.types import ChatMessage, ChatRequest, StreamEvent, ToolSpec

BASH = ToolSpec(
    name="Bash",
    description="Run a shell command",
    parameters={
        "type": "object",
        "properties": {"command": {"type": "string"}},
        "required": ["command"],
    },
)


def request(*messages: ChatMessage, tools: list[ToolSpec] | None = None, **extra: Any) -> ChatRequest:
    msgs = list(messages) or [ChatMessage("system", "You are terse."), ChatMessage("user", "hi")]
    return ChatRequest(model=extra.pop("model", "test-model"), messages=msgs, tools=tools or [], **extra)


def events(provider: Provider, req: ChatRequest) -> list[StreamEvent]:
    """All events of one streamed response."""

    async def main() -> list[StreamEvent]:
        try:
            return [event async for event in provider.stream(req)]
        finally:
            await aclose_client()

    return asyncio.run(main())


def accumulate(provider: Provider, req: ChatRequest) -> StreamAccumulator:
    acc = StreamAccumulator()
    for event in events(provider, req):
        acc.feed(event)
    return acc


def args_of(acc: StreamAccumulator) -> list[tuple[str, dict[str, Any]]]:
    return [(call.name, json.loads(call.arguments)) for call in acc.tool_calls]
