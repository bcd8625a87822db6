"""OpenAI Chat Completions adapter (OpenAI and every OpenAI-compatible server).

Used for `openai/`, `ollama/`, `lmstudio/`, `llamacpp/`, `openrouter/` and
`google/` (Gemini's OpenAI-compatible endpoint). Translates a `ChatRequest` into a
streaming `/chat/completions` call and the SSE chunks back into neutral events:
content, `reasoning_content`/`reasoning` deltas, tool-call argument pieces (by
`index`), usage (`stream_options.include_usage`, with the cached part of the
prompt) and the finish reason. A system prompt in parts goes out as one system
message (OpenAI caches prompt prefixes on its own).
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
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)

_REASONING_MODELS = ("o1", "o3", "o4", "gpt-5")


def _image_part(image: dict[str, str]) -> dict[str, Any]:
    url = f"data:{image.get('media_type', 'image/png')};base64,{image.get('data', '')}"
    return {"type": "image_url", "image_url": {"url": url}}


def _user_content(text: str, images: list[dict[str, str]]) -> str | list[dict[str, Any]]:
    if not images:
        return text
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    return parts + [_image_part(i) for i in images]


def to_openai_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Neutral messages -> Chat Completions messages.

    Tool messages cannot carry images, so images of a run of tool results go into
    one user message right after the run.
    """
    out: list[dict[str, Any]] = []
    pending_images: list[dict[str, str]] = []

    def flush_images() -> None:
        if pending_images:
            out.append(
                {
                    "role": "user",
                    "content": _user_content(
                        "(images from the tool results above)", pending_images
                    ),
                }
            )
            pending_images.clear()

    for msg in messages:
        if msg.role != "tool":
            flush_images()
        if msg.role == "system":
            if out and out[-1]["role"] == "system":
                # a system prompt in parts (stable, then memory) goes out as one message
                parts = [out[-1]["content"], msg.content]
                out[-1]["content"] = "\n\n".join(p for p in parts if p)
            else:
                out.append({"role": "system", "content": msg.content})
        elif msg.role == "user":
            out.append({"role": "user", "content": _user_content(msg.content, msg.images)})
        elif msg.role == "assistant":
            entry: dict[str, Any] = {"role": "assistant", "content": msg.content}
            if msg.tool_calls:
                entry["content"] = msg.content or None
                entry["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments or "{}"},
                    }
                    for call in msg.tool_calls
                ]
            out.append(entry)
        else:
            out.append(
                {"role": "tool", "tool_call_id": msg.tool_call_id or "", "content": msg.content}
            )
            pending_images.extend(msg.images)
    flush_images()
    return out


_FINISH = {
    "function_call": "tool_calls",
    "end_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
}


class OpenAIChatProvider:
    """Streams Chat Completions from `base_url` (which ends in `/v1` or similar)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        name: str = "openai",
        key_env: str | None = "OPENAI_API_KEY",
        base_env: str | None = "OPENAI_BASE_URL",
        extra_headers: dict[str, str] | None = None,
        max_tokens_field: str = "max_tokens",
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.key_env = key_env
        self.base_env = base_env
        self.extra_headers = dict(extra_headers or {})
        self.max_tokens_field = max_tokens_field

    def build_body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.model,
            "messages": to_openai_messages(request.messages),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters or {"type": "object", "properties": {}},
                    },
                }
                for t in request.tools
            ]
            if not request.parallel_tool_calls:
                body["parallel_tool_calls"] = False
        if request.max_tokens:
            body[self.max_tokens_field] = request.max_tokens
        reasoning_model = request.model.split("/")[-1].startswith(_REASONING_MODELS)
        if request.temperature is not None and not (self.name == "openai" and reasoning_model):
            body["temperature"] = request.temperature
        if request.reasoning_effort:
            body["reasoning_effort"] = request.reasoning_effort
        return body

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(self.extra_headers)
        return headers

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        ep = Endpoint(self.base_url, request.model, self.key_env, self.base_env)

        def parse(response: httpx.Response) -> AsyncIterator[StreamEvent]:
            return _parse_stream(ep, response)

        url = f"{self.base_url}/chat/completions"
        return stream_events(ep, url, self.headers(), self.build_body(request), parse)


async def _parse_stream(ep: Endpoint, response: httpx.Response) -> AsyncIterator[StreamEvent]:
    finish: str | None = None
    usage: Usage | None = None
    done = False
    sent_ids: set[int] = set()  # calls whose id went out already
    named: set[int] = set()  # calls whose name went out already
    ids: dict[str, int] = {}  # for servers that omit `index`
    async for _event, data in sse_events(response):
        if data.strip() == "[DONE]":
            done = True
            break
        chunk = parse_json(ep, data)
        if not isinstance(chunk, dict):
            continue
        if chunk.get("error"):
            detail = error_detail(json.dumps(chunk))
            raise RetryableError(f"the model server at {ep.base_url} failed mid-stream: {detail}")
        raw_usage = chunk.get("usage")
        if isinstance(raw_usage, dict):
            usage = _usage(raw_usage)
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                yield ReasoningDelta(reasoning)
            content = delta.get("content")
            if isinstance(content, str) and content:
                yield TextDelta(content)
            for position, call in enumerate(delta.get("tool_calls") or []):
                index = call.get("index")
                call_id = call.get("id")
                if not isinstance(index, int):
                    if call_id and call_id not in ids:
                        ids[call_id] = len(ids)
                    index = ids[call_id] if call_id else max(ids.values(), default=position)
                fn = call.get("function") or {}
                name = fn.get("name") if index not in named else None
                if name:
                    named.add(index)
                if call_id and index not in sent_ids:
                    sent_ids.add(index)
                else:
                    call_id = None
                args = fn.get("arguments")
                if isinstance(args, dict):  # a few servers send parsed arguments
                    args = json.dumps(args)
                yield ToolCallDelta(index=index, id=call_id, name=name, arguments=args or "")
            if choice.get("finish_reason"):
                finish = str(choice["finish_reason"])
    if not done and finish is None:
        raise RetryableError(
            f"the model server at {ep.base_url} ended the stream early (no finish_reason)"
        )
    if usage is not None:
        yield usage
    reason = _FINISH.get(finish or "stop", finish or "stop")
    if (named or sent_ids) and reason == "stop":
        reason = "tool_calls"  # some local servers say "stop" after tool calls
    yield Finish(reason)


def _usage(raw: dict[str, Any]) -> Usage:
    """`usage` of a chunk; `prompt_tokens_details.cached_tokens` is the cached part of the prompt."""
    details = raw.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return Usage(
        int(raw.get("prompt_tokens") or 0),
        int(raw.get("completion_tokens") or 0),
        cached_tokens=int(cached) if isinstance(cached, int | float) else None,
    )


__all__ = ["OpenAIChatProvider", "to_openai_messages"]
