"""Anthropic Messages adapter (`POST {base}/v1/messages`, streaming).

Translates a `ChatRequest`: system prompt as the top-level `system`, one text block
per part (the stable instructions and the whole system each end in a prompt cache
breakpoint, and so does the newest user turn), assistant tool calls as `tool_use` blocks, tool results as
`tool_result` blocks (consecutive results merged into one user turn), reasoning as
signed `thinking` blocks (unsigned reasoning from other providers is dropped).
Reads the SSE events back: text/thinking/signature/input_json deltas, usage from
`message_start` and `message_delta` (prompt tokens include the cache reads and
writes, reported apart as well), the stop reason, and `error` events.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from letta_code.service.llm.transport import (
    Endpoint,
    RetryableError,
    error_detail,
    parse_json,
    sse_events,
    stream_events,
)
from letta_code.service.llm.types import (
    ChatMessage,
    ChatRequest,
    Finish,
    LLMError,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from letta_code.service.llm.vision import without_images

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 8192
_STOP = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
}
_RETRYABLE_ERRORS = ("overloaded_error", "api_error", "rate_limit_error")
_CACHE = {"type": "ephemeral"}


def _image_block(image: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "image",
        "source": {
            "type": "base64",
            "media_type": image.get("media_type", "image/png"),
            "data": image.get("data", ""),
        },
    }


def _tool_input(arguments: str) -> dict[str, Any]:
    try:
        data = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _blocks(msg: ChatMessage) -> list[dict[str, Any]]:
    if msg.role == "user":
        blocks: list[dict[str, Any]] = [{"type": "text", "text": msg.content}] if msg.content else []
        return blocks + [_image_block(i) for i in msg.images]
    if msg.role == "tool":
        result: dict[str, Any] = {"type": "tool_result", "tool_use_id": msg.tool_call_id or ""}
        if msg.images:
            parts: list[dict[str, Any]] = [{"type": "text", "text": msg.content}] if msg.content else []
            result["content"] = parts + [_image_block(i) for i in msg.images]
        elif msg.content:
            result["content"] = msg.content
        return [result]
    out: list[dict[str, Any]] = []
    if msg.reasoning and msg.reasoning_signature:
        out.append({"type": "thinking", "thinking": msg.reasoning, "signature": msg.reasoning_signature})
    if msg.content:
        out.append({"type": "text", "text": msg.content})
    for call in msg.tool_calls:
        out.append(
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.name,
                "input": _tool_input(call.arguments),
            }
        )
    return out


def system_blocks(messages: list[ChatMessage], *, caching: bool = True) -> list[dict[str, Any]]:
    """The system messages as `system` text blocks, one per part.

    With `caching`, a part marked `cache_breakpoint` (the stable instructions) gets a
    cache breakpoint, and so does the last part: Anthropic caches tools + system up to
    a breakpoint, so the stable prefix stays cached while memory changes.
    """
    parts = [m for m in messages if m.role == "system" and m.content]
    blocks: list[dict[str, Any]] = []
    for index, msg in enumerate(parts):
        block: dict[str, Any] = {"type": "text", "text": msg.content}
        if caching and (msg.cache_breakpoint or index == len(parts) - 1):
            block["cache_control"] = _CACHE
        blocks.append(block)
    return blocks


def to_anthropic(messages: list[ChatMessage]) -> tuple[str, list[dict[str, Any]]]:
    """Neutral messages -> (system text, Messages API turns)."""
    system = "\n\n".join(m.content for m in messages if m.role == "system" and m.content)
    turns: list[dict[str, Any]] = []
    for msg in messages:
        if msg.role == "system":
            continue
        role = "assistant" if msg.role == "assistant" else "user"
        blocks = _blocks(msg)
        if not blocks and role == "assistant":
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:
        if turn["role"] == "user":
            # tool_result blocks must open the user turn
            turn["content"].sort(key=lambda b: b["type"] != "tool_result")
            if not turn["content"]:
                turn["content"] = [{"type": "text", "text": "(empty)"}]
    return system, turns


class AnthropicMessagesProvider:
    """Streams Anthropic Messages from `base_url` (e.g. https://api.anthropic.com)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        name: str = "anthropic",
        key_env: str | None = "ANTHROPIC_API_KEY",
        base_env: str | None = "ANTHROPIC_BASE_URL",
        default_max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt_caching: bool = True,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.key_env = key_env
        self.base_env = base_env
        self.default_max_tokens = default_max_tokens
        self.prompt_caching = prompt_caching
        self.accepts_images = True  # False: each image goes out as a one-line note (vision.py)

    @property
    def messages_url(self) -> str:
        if self.base_url.endswith("/v1"):
            return f"{self.base_url}/messages"
        return f"{self.base_url}/v1/messages"

    def build_body(self, request: ChatRequest) -> dict[str, Any]:
        messages = request.messages
        if not self.accepts_images:
            messages = without_images(messages, f"{self.name}/{request.model}")
        _, turns = to_anthropic(messages)
        system = system_blocks(messages, caching=self.prompt_caching)
        max_tokens = request.max_tokens or self.default_max_tokens
        body: dict[str, Any] = {
            "model": request.model,
            "max_tokens": max_tokens,
            "messages": turns,
            "stream": True,
        }
        if system:
            body["system"] = system
        if self.prompt_caching and turns and turns[-1]["role"] == "user":
            last = turns[-1]["content"][-1]
            if last.get("type") in ("text", "tool_result", "image"):
                turns[-1]["content"][-1] = {**last, "cache_control": _CACHE}
        if request.tools:
            body["tools"] = [
                {
                    "name": t.name,
                    "description": t.description,
                    "input_schema": t.parameters or {"type": "object", "properties": {}},
                }
                for t in request.tools
            ]
            if not request.parallel_tool_calls:
                body["tool_choice"] = {"type": "auto", "disable_parallel_tool_use": True}
        if request.thinking_budget:
            budget = max(1024, request.thinking_budget)
            body["thinking"] = {"type": "enabled", "budget_tokens": budget}
            body["max_tokens"] = max(max_tokens, budget + 1024)
        elif request.temperature is not None:
            body["temperature"] = request.temperature
        return body

    def headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
            "anthropic-version": ANTHROPIC_VERSION,
        }
        if self.api_key:
            headers["x-api-key"] = self.api_key
        return headers

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        ep = Endpoint(self.base_url, request.model, self.key_env, self.base_env)

        def parse(response: httpx.Response) -> AsyncIterator[StreamEvent]:
            return _parse_stream(ep, response)

        return stream_events(ep, self.messages_url, self.headers(), self.build_body(request), parse)


async def _parse_stream(ep: Endpoint, response: httpx.Response) -> AsyncIterator[StreamEvent]:
    tool_index: dict[int, int] = {}  # content block index -> tool call index
    has_args: set[int] = set()
    prompt_tokens = completion_tokens = 0
    cached: int | None = None
    written: int | None = None
    stop: str | None = None
    finished = False
    async for name, data in sse_events(response):
        event = parse_json(ep, data)
        if not isinstance(event, dict):
            continue
        kind = event.get("type") or name
        if kind == "message_start":
            usage = (event.get("message") or {}).get("usage") or {}
            prompt_tokens = _input_tokens(usage)
            completion_tokens = int(usage.get("output_tokens") or 0)
            cached = _count(usage, "cache_read_input_tokens")
            written = _count(usage, "cache_creation_input_tokens")
        elif kind == "content_block_start":
            index = int(event.get("index", 0))
            block = event.get("content_block") or {}
            btype = block.get("type")
            if btype == "text" and block.get("text"):
                yield TextDelta(block["text"])
            elif btype == "thinking":
                if block.get("thinking"):
                    yield ReasoningDelta(block["thinking"])
                if block.get("signature"):
                    yield ReasoningDelta("", signature=block["signature"])
            elif btype == "tool_use":
                tool_index[index] = len(tool_index)
                yield ToolCallDelta(index=tool_index[index], id=block.get("id"), name=block.get("name"))
                if block.get("input"):
                    has_args.add(index)
                    yield ToolCallDelta(index=tool_index[index], arguments=json.dumps(block["input"]))
        elif kind == "content_block_delta":
            index = int(event.get("index", 0))
            delta = event.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta" and delta.get("text"):
                yield TextDelta(delta["text"])
            elif dtype == "thinking_delta" and delta.get("thinking"):
                yield ReasoningDelta(delta["thinking"])
            elif dtype == "signature_delta" and delta.get("signature"):
                yield ReasoningDelta("", signature=delta["signature"])
            elif dtype == "input_json_delta" and index in tool_index and delta.get("partial_json"):
                has_args.add(index)
                yield ToolCallDelta(index=tool_index[index], arguments=delta["partial_json"])
        elif kind == "content_block_stop":
            index = int(event.get("index", 0))
            if index in tool_index and index not in has_args:
                yield ToolCallDelta(index=tool_index[index], arguments="{}")
        elif kind == "message_delta":
            stop = (event.get("delta") or {}).get("stop_reason") or stop
            usage = event.get("usage") or {}
            if usage.get("output_tokens") is not None:
                completion_tokens = int(usage["output_tokens"])
            if usage.get("input_tokens") is not None:
                prompt_tokens = max(prompt_tokens, _input_tokens(usage))
            cached = _count(usage, "cache_read_input_tokens", cached)
            written = _count(usage, "cache_creation_input_tokens", written)
        elif kind == "message_stop":
            finished = True
            break
        elif kind == "error":
            err = event.get("error") or {}
            detail = error_detail(json.dumps(event))
            message = f"the model server at {ep.base_url} failed mid-stream: {detail}"
            if err.get("type") in _RETRYABLE_ERRORS:
                raise RetryableError(message)
            raise LLMError(message)
    if not finished:
        raise RetryableError(f"the model server at {ep.base_url} ended the stream early (no message_stop)")
    yield Usage(prompt_tokens, completion_tokens, cached_tokens=cached, cache_write_tokens=written)
    yield Finish(_STOP.get(stop or "end_turn", stop or "stop"))


def _count(usage: dict[str, Any], key: str, default: int | None = None) -> int | None:
    value = usage.get(key)
    return int(value) if isinstance(value, int | float) else default


def _input_tokens(usage: dict[str, Any]) -> int:
    return sum(
        int(usage.get(k) or 0) for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )


__all__ = ["AnthropicMessagesProvider", "to_anthropic"]
