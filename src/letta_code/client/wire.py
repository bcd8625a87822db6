"""What a Letta server streams, checked once at the HTTP edge before anyone reads it.

The harness, the TUI and `letta -p` index a chunk's discriminators and payload
(`chunk["message_type"]`, `chunk["tool_call"]["name"]`) as `schemas/chunks.py` types
them. Our own service always sends those keys; a server nobody here wrote may not.
`checked_chunk` is where that difference ends:

- a line that is not JSON raises `BackendError`;
- what is not a JSON object with a string `message_type`, and pings, are dropped
  (there is nothing to show or answer);
- an `event_message` without a string `event_type` is dropped (nobody can tell
  what it means); one whose `event_data` is not an object gets an empty one;
- a chunk the harness must act on but cannot read (a tool call without a string
  `tool_call_id` and `name`, a `stop_reason` without its reason) raises
  `BackendError`, which the user sees as one line, rather than being half-read;
  a tool call's `arguments` become JSON text when a server sent an object or
  nothing, and `tool_call` is filled from `tool_calls` when only the list came;
- every other kind, including ones this project does not know, passes as it came.
"""

from __future__ import annotations

import json
from typing import cast

from letta_code.client.backend import BackendError
from letta_code.schemas.chunks import StreamChunk

_TOOL_CALL_KINDS = ("approval_request_message", "tool_call_message")


def checked_chunk(data: str) -> StreamChunk | None:
    """The chunk an SSE `data:` line holds, None to drop it; BackendError if it cannot be read."""
    try:
        raw = json.loads(data)
    except ValueError as exc:
        raise BackendError(f"the server streamed a line that is not JSON ({exc}): {data[:200]!r}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("message_type"), str):
        return None
    kind = raw["message_type"]
    if kind == "ping":
        return None
    if kind == "event_message":
        if not isinstance(raw.get("event_type"), str):
            return None
        if not isinstance(raw.get("event_data"), dict):
            raw["event_data"] = {}
    elif kind in _TOOL_CALL_KINDS:
        calls = raw.get("tool_calls") or []
        if raw.get("tool_call") is None and isinstance(calls, list) and calls:
            raw["tool_call"] = calls[0]  # newer servers may send only the list
        for call in [raw.get("tool_call"), *(calls if isinstance(calls, list) else [None])]:
            if not _readable_call(call):
                raise BackendError(f"the server sent a {kind} without a readable tool call: {raw!r:.200}")
    elif kind == "stop_reason" and not isinstance(raw.get("stop_reason"), str):
        raise BackendError(f"the server sent a stop_reason chunk without its reason: {raw!r:.200}")
    return cast(StreamChunk, raw)


def _readable_call(call: object) -> bool:
    """Whether the harness can answer `call`; its `arguments` are made JSON text on the way."""
    if not isinstance(call, dict):
        return False
    if not isinstance(call.get("tool_call_id"), str) or not isinstance(call.get("name"), str):
        return False
    if not isinstance(call.get("arguments"), str):
        call["arguments"] = "" if call.get("arguments") is None else json.dumps(call["arguments"])
    return True
