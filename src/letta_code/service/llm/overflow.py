"""Recognising "the prompt is longer than the model's context window", in every form servers use.

Servers say it as an HTTP 400/413/422 (`context_length_exceeded`, Anthropic's
`prompt is too long`), as an error object inside a 200 stream (llama.cpp-based
servers), or only by ending the stream early. `is_overflow(text)` matches the error
texts; `window_from_text(text)` reads the window size when the server names it
("exceed context window of 2048", "maximum context length is 8192 tokens"), so the
agent can learn the true window of a local server from its first overflow, and
`prompt_tokens_from_text(text)` the prompt size the server counted ("Requested
tokens (2939)"), which calibrates our own estimate.
"""

from __future__ import annotations

import re

OVERFLOW_MARKERS = (
    "context_length_exceeded",
    "maximum context length",
    "context window",
    "context length",
    "prompt is too long",
    "too many tokens",
    "input is too long",
    "exceed context",
    "exceeds the context",
    "n_ctx",
)

_WINDOW_PATTERNS = (
    re.compile(r"context window of (\d+)", re.IGNORECASE),
    re.compile(r"maximum context length is (\d+)", re.IGNORECASE),
    re.compile(r"context length (?:of|is) (\d+)", re.IGNORECASE),
    re.compile(r"n_ctx(?:_slot)?\s*[=:]\s*(\d+)", re.IGNORECASE),
    re.compile(r"tokens? > (\d+) maximum", re.IGNORECASE),
    re.compile(r"(\d+) tokens? (?:context|maximum)", re.IGNORECASE),
)
_PROMPT_PATTERNS = (
    re.compile(r"requested tokens \((\d+)\)", re.IGNORECASE),
    re.compile(r"resulted in (\d+) tokens", re.IGNORECASE),
    re.compile(r"you requested (\d+) tokens \((\d+) in the messages", re.IGNORECASE),
    re.compile(r"too long: (\d+) tokens", re.IGNORECASE),
    re.compile(r"prompt (?:has|of|is) (\d+) tokens", re.IGNORECASE),
)


def is_overflow(text: str) -> bool:
    """Whether an error text says the prompt does not fit the model's context window."""
    lowered = text.lower()
    return any(marker in lowered for marker in OVERFLOW_MARKERS)


def window_from_text(text: str) -> int | None:
    """The context window size an overflow error names, if it names one (>= 256 tokens)."""
    for pattern in _WINDOW_PATTERNS:
        match = pattern.search(text)
        if match:
            size = int(match.group(1))
            if size >= 256:
                return size
    return None


def prompt_tokens_from_text(text: str) -> int | None:
    """The prompt size (in the server's tokens) an overflow error names, if it names one."""
    for pattern in _PROMPT_PATTERNS:
        match = pattern.search(text)
        if match:
            return int(match.group(match.lastindex or 1))  # the prompt's part when both are named
    return None
