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

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from letta_code.service.llm.overflow import is_overflow, window_from_text
from letta_code.service.llm.quirks import (
    quirks_for,
    refuses_stream_with_tools,
    remember_no_stream_with_tools,
    streams_with_tools,
)
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
    ContextWindowExceededError,
    Finish,
    LLMError,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from letta_code.service.llm.vision import without_images


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
                    "content": _user_content("(images from the tool results above)", pending_images),
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
            # `content` is a string even beside tool calls: llama.cpp-based servers answer
            # 500 to null or a missing key; OpenAI accepts "".
            entry: dict[str, Any] = {"role": "assistant", "content": msg.content or ""}
            if msg.tool_calls:
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
            out.append({"role": "tool", "tool_call_id": msg.tool_call_id or "", "content": msg.content})
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
    """Streams Chat Completions from `base_url` (which ends in `/v1` or similar).

    What differs between servers comes from `quirks.quirks_for(name)`; explicit
    `extra_headers`/`max_tokens_field` arguments override the table.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        name: str = "openai",
        key_env: str | None = "OPENAI_API_KEY",
        base_env: str | None = "OPENAI_BASE_URL",
        extra_headers: dict[str, str] | None = None,
        max_tokens_field: str | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.key_env = key_env
        self.base_env = base_env
        self.quirks = quirks_for(name)
        self.extra_headers = dict(self.quirks.extra_headers if extra_headers is None else extra_headers)
        self.max_tokens_field = max_tokens_field or self.quirks.max_tokens_field
        self.accepts_images = True  # False: each image goes out as a one-line note (vision.py)

    def build_body(self, request: ChatRequest, *, stream: bool = True) -> dict[str, Any]:
        messages = request.messages
        if not self.accepts_images:
            messages = without_images(messages, f"{self.name}/{request.model}")
        body: dict[str, Any] = {
            "model": request.model,
            "messages": to_openai_messages(messages),
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
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
            if self.quirks.explicit_tool_choice:
                body["tool_choice"] = "auto"
            if not request.parallel_tool_calls:
                body["parallel_tool_calls"] = False
        if request.max_tokens:
            body[self.max_tokens_field] = request.max_tokens
        no_temperature = request.model.split("/")[-1].startswith(self.quirks.no_temperature_prefixes or ("\0",))
        if request.temperature is not None and not no_temperature:
            body["temperature"] = request.temperature
        if request.reasoning_effort:
            body["reasoning_effort"] = request.reasoning_effort
        return body

    def headers(self, *, stream: bool = True) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if stream else "application/json",
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(self.extra_headers)
        return headers

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self._events(request)

    async def _events(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Streamed when the server can; non-streamed (same events) when it refuses tools in a stream."""
        ep = Endpoint(self.base_url, request.model, self.key_env, self.base_env)
        url = f"{self.base_url}/chat/completions"
        learn = False  # whether a non-streamed success shows the server cannot stream with tools
        if not request.tools or streams_with_tools(self.base_url):
            yielded = False
            try:
                streamed = stream_events(
                    ep, url, self.headers(), self.build_body(request), lambda r: _parse_stream(ep, r)
                )
                async with contextlib.aclosing(streamed):  # a caller that stops early closes it now
                    async for event in streamed:
                        yielded = True
                        yield event
                return
            except EmptyStreamError:
                # The server failed before its first chunk and said nothing (llama-cpp-python does
                # this for an overflow and for tools in a stream): the same request non-streamed
                # gets the real answer, or the real error.
                learn = bool(request.tools)
            except LLMError as exc:
                if yielded or not request.tools or not refuses_stream_with_tools(str(exc)):
                    raise
                remember_no_stream_with_tools(self.base_url)
        body = self.build_body(request, stream=False)
        whole = stream_events(ep, url, self.headers(stream=False), body, lambda r: _parse_whole(ep, r), streamed=False)
        async with contextlib.aclosing(whole):
            async for event in whole:
                if learn:
                    remember_no_stream_with_tools(self.base_url)
                    learn = False
                yield event


async def _parse_stream(ep: Endpoint, response: httpx.Response) -> AsyncIterator[StreamEvent]:
    finish: str | None = None
    usage: Usage | None = None
    done = False
    sent_ids: set[int] = set()  # calls whose id went out already
    named: set[int] = set()  # calls that had a name (they make a 'stop' finish a tool call)
    ids: dict[str, int] = {}  # for servers that omit `index`
    received = False  # any data at all (an empty 200 stream is how some servers fail)
    async for _event, data in sse_events(response):
        received = True
        if data.strip() == "[DONE]":
            done = True
            break
        chunk = parse_json(ep, data)
        if not isinstance(chunk, dict):
            continue
        if chunk.get("error"):
            raise _stream_error(ep, error_detail(json.dumps(chunk)))
        raw_usage = chunk.get("usage")
        if isinstance(raw_usage, dict):
            usage = _usage(raw_usage)
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            for event in _text_events(delta):
                yield event
            for position, call in enumerate(delta.get("tool_calls") or []):
                index = call.get("index")
                call_id = call.get("id")
                if not isinstance(index, int):
                    if call_id and call_id not in ids:
                        ids[call_id] = len(ids)
                    index = ids[call_id] if call_id else max(ids.values(), default=position)
                fn = call.get("function") or {}
                name = fn.get("name")  # every piece: the stream folder knows repeats from fragments
                if name:
                    named.add(index)
                if call_id and index not in sent_ids:
                    sent_ids.add(index)
                else:
                    call_id = None
                args = fn.get("arguments")
                if isinstance(args, dict):  # a few servers send parsed arguments
                    args = json.dumps(args)
                if call_id or name or args:  # an empty piece is not output (it must not reset timers)
                    yield ToolCallDelta(index=index, id=call_id, name=name, arguments=args or "")
            if choice.get("finish_reason"):
                finish = str(choice["finish_reason"])
    if not done and finish is None:
        if not received:
            raise EmptyStreamError(f"the model server at {ep.base_url} answered with an empty stream")
        raise RetryableError(f"the model server at {ep.base_url} ended the stream early (no finish_reason)")
    if usage is not None:
        yield usage
    reason = _FINISH.get(finish or "stop", finish or "stop")
    if (named or sent_ids) and reason == "stop":
        reason = "tool_calls"  # some local servers say "stop" after tool calls
    yield Finish(reason)


def _text_events(part: dict[str, Any]) -> list[StreamEvent]:
    """The reasoning and text of a stream delta or a whole message (`reasoning_content`/`reasoning`)."""
    events: list[StreamEvent] = []
    reasoning = part.get("reasoning_content") or part.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        events.append(ReasoningDelta(reasoning))
    content = part.get("content")
    if isinstance(content, str) and content:
        events.append(TextDelta(content))
    return events


class EmptyStreamError(LLMError):
    """A 200 stream without a single event: the server failed before it began."""


def _stream_error(ep: Endpoint, detail: str) -> LLMError:
    """The error for an error object inside a 200 stream (an overflow is not worth a retry)."""
    text = f"the model server at {ep.base_url} failed mid-stream: {detail}"
    if is_overflow(detail):
        return ContextWindowExceededError(
            f'the conversation is too long for model "{ep.model}" ({detail})', window=window_from_text(detail)
        )
    if refuses_stream_with_tools(detail):
        return LLMError(text)
    return RetryableError(text)


async def _parse_whole(ep: Endpoint, response: httpx.Response) -> AsyncIterator[StreamEvent]:
    """A non-streamed completion as the same events a stream gives."""
    data = parse_json(ep, (await response.aread()).decode("utf-8", "replace"))
    if not isinstance(data, dict):
        raise LLMError(f"the model server at {ep.base_url} sent an unexpected answer: {str(data)[:120]}")
    if data.get("error"):
        raise _stream_error(ep, error_detail(json.dumps(data)))
    choices = data.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    message = choice.get("message") or {}
    for event in _text_events(message):
        yield event
    calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    for index, call in enumerate(calls):
        fn = call.get("function") or {}
        args = fn.get("arguments")
        if isinstance(args, dict):
            args = json.dumps(args)
        yield ToolCallDelta(index=index, id=call.get("id") or None, name=fn.get("name") or "", arguments=args or "")
    if isinstance(data.get("usage"), dict):
        yield _usage(data["usage"])
    finish = str(choice.get("finish_reason") or "stop")
    reason = _FINISH.get(finish, finish)
    yield Finish("tool_calls" if calls and reason == "stop" else reason)


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
