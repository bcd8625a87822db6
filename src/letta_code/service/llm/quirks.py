"""What each OpenAI-compatible server needs that the others do not, in one table.

Chat Completions servers differ in small ways that decide whether a request works
at all: OpenAI wants `max_completion_tokens` and refuses `temperature` for its
reasoning models, OpenRouter likes an `X-Title`, llama.cpp-based servers drop the
tools unless `tool_choice` is said explicitly and some of them cannot stream a
response to a request with tools. The adapter (`openai_chat`) asks this module
instead of testing provider names itself.

Some quirks can only be learned by trying: a server that refuses streaming with
tools is remembered per base URL for the life of the process
(`remember_no_stream_with_tools`), and later requests to it go out non-streamed
from the start.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServerQuirks:
    """How to speak to one kind of Chat Completions server."""

    max_tokens_field: str = "max_tokens"
    # Model-name prefixes that refuse `temperature` (OpenAI's reasoning models).
    no_temperature_prefixes: tuple[str, ...] = ()
    extra_headers: dict[str, str] = field(default_factory=dict)
    # Say `tool_choice: "auto"` whenever tools are sent: it is OpenAI's default, and
    # llama-cpp-python's function-calling handler ignores the tools without it.
    explicit_tool_choice: bool = True


_OPENAI_REASONING = ("o1", "o3", "o4", "gpt-5")

QUIRKS: dict[str, ServerQuirks] = {
    "openai": ServerQuirks(max_tokens_field="max_completion_tokens", no_temperature_prefixes=_OPENAI_REASONING),
    "openrouter": ServerQuirks(extra_headers={"X-Title": "Letta Code"}),
}
DEFAULT_QUIRKS = ServerQuirks()


def quirks_for(provider: str) -> ServerQuirks:
    """The quirks of a provider (by handle prefix); the defaults suit most servers."""
    return QUIRKS.get(provider, DEFAULT_QUIRKS)


# Phrases servers use when they cannot stream a response to a request with tools.
_NO_STREAM_WITH_TOOLS = (
    "streaming tool choice is not supported",
    "streaming is not supported with tools",
    "tools are not supported in streaming",
    "stream with tools",
)

_lock = threading.Lock()
_no_stream_with_tools: set[str] = set()


def refuses_stream_with_tools(detail: str) -> bool:
    """Whether a server's error text says it cannot stream when tools are sent."""
    lowered = detail.lower()
    return any(phrase in lowered for phrase in _NO_STREAM_WITH_TOOLS)


def remember_no_stream_with_tools(base_url: str) -> None:
    with _lock:
        _no_stream_with_tools.add(base_url.rstrip("/"))


def streams_with_tools(base_url: str) -> bool:
    """False once the server at `base_url` has refused streaming with tools (this process)."""
    with _lock:
        return base_url.rstrip("/") not in _no_stream_with_tools


def forget_learned_quirks() -> None:
    """Forget what was learned by trying (for tests)."""
    with _lock:
        _no_stream_with_tools.clear()
