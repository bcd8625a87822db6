"""Render a scripted reply as OpenAI Chat Completions or Anthropic Messages wire data.

`model_server` decides *which* reply to send; this module decides *how it looks on
the wire*: SSE frames for streaming requests, one JSON body otherwise, and the
error bodies each provider sends. Streams are cut into several pieces (text by
words, tool-call arguments into three parts) so adapters are exercised the way a
real server exercises them.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class Call:
    """A tool call of a reply, normalized: id, name and the JSON argument text."""

    id: str
    name: str
    arguments: str


def signature_for(thinking: str) -> str:
    """The signature the fake server gives a thinking block (and checks on the way back)."""
    return "sig_" + hashlib.sha256(thinking.encode("utf-8")).hexdigest()[:32]


def split_words(text: str) -> list[str]:
    """Cut text into word-sized pieces (each word with the whitespace after it)."""
    return re.findall(r"\s*\S+\s*|\s+", text) or ([text] if text else [])


def split_three(text: str) -> list[str]:
    """Cut text into (up to) three non-empty pieces."""
    if len(text) < 3:
        return [text] if text else []
    a, b = len(text) // 3, 2 * len(text) // 3
    return [text[:a], text[a:b], text[b:]]


def _sse(data: Any, event: str | None = None) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


# --------------------------------------------------------------------------- OpenAI


def openai_error_body(status: int, message: str) -> dict[str, Any]:
    kind = {
        400: "invalid_request_error",
        401: "invalid_request_error",
        403: "permission_error",
        404: "not_found_error",
        429: "rate_limit_exceeded",
    }.get(status, "server_error")
    code = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}.get(status)
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _openai_chunk(rid: str, model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    return _sse(
        {
            "id": rid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
    )


def openai_stream(
    rid: str,
    model: str,
    text: str,
    reasoning: str | None,
    calls: list[Call],
    finish: str,
    usage: dict[str, Any] | None,
) -> list[bytes]:
    """The SSE frames of one streamed chat completion, `data: [DONE]` last."""
    frames = [_openai_chunk(rid, model, {"role": "assistant", "content": ""})]
    for piece in split_words(reasoning or ""):
        frames.append(_openai_chunk(rid, model, {"reasoning_content": piece}))
    for piece in split_words(text):
        frames.append(_openai_chunk(rid, model, {"content": piece}))
    for index, call in enumerate(calls):
        head = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        frames.append(_openai_chunk(rid, model, {"tool_calls": [head]}))
        for piece in split_three(call.arguments):
            part = {"index": index, "function": {"arguments": piece}}
            frames.append(_openai_chunk(rid, model, {"tool_calls": [part]}))
    frames.append(_openai_chunk(rid, model, {}, finish))
    if usage is not None:
        frames.append(
            _sse(
                {
                    "id": rid,
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [],
                    "usage": usage,
                }
            )
        )
    frames.append(_sse("[DONE]"))
    return frames


def openai_empty_chunk(rid: str, model: str) -> bytes:
    """A chunk with an empty delta: some servers send these while the model thinks."""
    return _openai_chunk(rid, model, {"content": ""})


def openai_stream_error(message: str) -> bytes:
    return _sse(openai_error_body(500, message))


def openai_body(
    rid: str,
    model: str,
    text: str,
    reasoning: str | None,
    calls: list[Call],
    finish: str,
    usage: dict[str, Any],
) -> dict[str, Any]:
    """A non-streaming chat completion."""
    message: dict[str, Any] = {"role": "assistant", "content": text if text or not calls else None}
    if reasoning:
        message["reasoning_content"] = reasoning
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
        ]
    return {
        "id": rid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage,
    }


# ------------------------------------------------------------------------ Anthropic


def anthropic_error_body(status: int, message: str) -> dict[str, Any]:
    kind = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        413: "request_too_large",
        429: "rate_limit_error",
        529: "overloaded_error",
    }.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def _anthropic_blocks(
    text: str, reasoning: str | None, signature: str | None, calls: list[Call]
) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reasoning:
        blocks.append({"type": "thinking", "thinking": reasoning, "signature": signature or ""})
    if text:
        blocks.append({"type": "text", "text": text})
    for call in calls:
        try:
            data = json.loads(call.arguments) if call.arguments else {}
        except json.JSONDecodeError:
            data = {"_raw": call.arguments}
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": data})
    return blocks


def anthropic_stream(
    rid: str,
    model: str,
    text: str,
    reasoning: str | None,
    signature: str | None,
    calls: list[Call],
    stop_reason: str,
    input_tokens: int,
    output_tokens: int,
    *,
    cache_read: int = 0,
    cache_write: int = 0,
) -> list[bytes]:
    """The SSE frames of one streamed Messages response, `message_stop` last."""
    start = {
        "type": "message_start",
        "message": {
            "id": rid,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "output_tokens": 1,
                "cache_creation_input_tokens": cache_write,
                "cache_read_input_tokens": cache_read,
            },
        },
    }
    frames = [_sse(start, "message_start"), anthropic_ping()]
    index = 0

    def block(head: dict[str, Any], deltas: list[dict[str, Any]]) -> None:
        nonlocal index
        frames.append(
            _sse(
                {"type": "content_block_start", "index": index, "content_block": head},
                "content_block_start",
            )
        )
        for delta in deltas:
            frames.append(
                _sse(
                    {"type": "content_block_delta", "index": index, "delta": delta},
                    "content_block_delta",
                )
            )
        frames.append(_sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
        index += 1

    if reasoning:
        deltas = [{"type": "thinking_delta", "thinking": p} for p in split_words(reasoning)]
        deltas.append({"type": "signature_delta", "signature": signature or ""})
        block({"type": "thinking", "thinking": "", "signature": ""}, deltas)
    if text:
        block(
            {"type": "text", "text": ""},
            [{"type": "text_delta", "text": p} for p in split_words(text)],
        )
    for call in calls:
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in split_three(call.arguments)]
        block({"type": "tool_use", "id": call.id, "name": call.name, "input": {}}, deltas)
    frames.append(
        _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
            "message_delta",
        )
    )
    frames.append(_sse({"type": "message_stop"}, "message_stop"))
    return frames


def anthropic_ping() -> bytes:
    return _sse({"type": "ping"}, "ping")


def stall_filler(stall: str | None, openai: bool, rid: str, model: str) -> bytes:
    """What a stalled stream sends every tick (see `Reply.stall`); b"" for nothing."""
    if stall == "keepalive":
        return b": ping\n\n"
    if stall == "empty":
        return openai_empty_chunk(rid, model) if openai else anthropic_ping()
    return b""


def anthropic_stream_error(message: str) -> bytes:
    return _sse(anthropic_error_body(529, message), "error")


def anthropic_body(
    rid: str,
    model: str,
    text: str,
    reasoning: str | None,
    signature: str | None,
    calls: list[Call],
    stop_reason: str,
    input_tokens: int,
    output_tokens: int,
    *,
    cache_read: int = 0,
    cache_write: int = 0,
) -> dict[str, Any]:
    """A non-streaming Messages response."""
    return {
        "id": rid,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": _anthropic_blocks(text, reasoning, signature, calls),
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read,
        },
    }
