"""The script of the fake model server: `Reply` (one scripted response) and the
recorded requests (`RecordedRequest`: the parsed JSON body plus path and headers).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

EXHAUSTED_TEXT = "(script exhausted)"
STALLS = (None, "keepalive", "empty", "silent")


@dataclass
class Reply:
    """One scripted model response.

    `tool_calls` items: `(name, args)`, `(name, args, id)` or `{"name", "arguments", "id"}`;
    args is a dict or raw JSON text. `status` != 200 sends an error (`error_body`: dict,
    str, or None for the provider's usual error shape). `stream_error` sends part of the
    stream, then an error event; `drop_stream` sends part, then cuts the connection.
    `stall` holds a stream after its first `stall_after` frames (0: right after the
    headers) for `stall_for` seconds, then sends the rest (unless the client has gone):
    "keepalive" sends `: ping` comments, "empty" empty deltas (OpenAI) or `ping`
    events (Anthropic), every 0.05 s; "silent" sends nothing.
    """

    text: str = ""
    reasoning: str | None = None
    tool_calls: list[Any] = field(default_factory=list)
    status: int = 200
    error_body: Any = None
    delay: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None  # part of the prompt reported as read from the prompt cache
    cache_write_tokens: int | None = None  # Anthropic: part of the prompt written to the cache
    reasoning_signature: str | None = None  # default: derived from the reasoning text
    finish_reason: str | None = None  # default: "tool_calls"/"tool_use" or "stop"/"end_turn"
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}
    chunk_delay: float = 0.0  # seconds between stream frames
    stream_error: str | None = None
    drop_stream: bool = False
    empty_stream: bool = False  # a 200 stream with no data at all (how llama-cpp-python fails)
    stall: str | None = None  # "keepalive" | "empty" | "silent"
    stall_after: int = 0
    stall_for: float = 60.0

    @classmethod
    def from_json(cls, data: Any) -> Reply:
        """A reply from its JSON form (a string is a text reply)."""
        if isinstance(data, str):
            return cls(text=data)
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown reply fields: {', '.join(sorted(unknown))}")
        return cls(**data)

    def __post_init__(self) -> None:
        if self.stall not in STALLS:
            raise ValueError(f"unknown stall {self.stall!r}: use one of {STALLS[1:]}")


ReplyLike = Reply | str | Callable[["RecordedRequest"], "Reply | str"]


class RecordedRequest(dict[str, Any]):
    """A request's parsed JSON body (a dict), plus `.method`, `.path` and `.headers`."""

    def __init__(self, body: dict[str, Any], method: str, path: str, headers: dict[str, str]):
        super().__init__(body)
        self.method = method
        self.path = path
        self.headers = headers  # lower-case names

    @property
    def protocol(self) -> str | None:
        if self.path.rstrip("/").endswith("/chat/completions"):
            return "openai"
        if self.path.rstrip("/").endswith("/messages"):
            return "anthropic"
        return None


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def load_script(path: str | Path) -> list[Reply]:
    """Read a JSON script: a list of replies (objects with Reply's fields, or strings)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: the script must be a JSON list of replies")
    return [Reply.from_json(item) for item in data]
