"""Keeping a step's request inside the model's context window, and what to do when it is not.

Three things live here, all about the window the loop compiles a request for:

- `as_overflow(exc, estimated, window)`: whether a failed model call means "the
  prompt did not fit" — a `ContextWindowExceededError` from the adapter, an error
  text that says so, or a stream that ended without a finish reason right after a
  prompt near the window (some servers say nothing else). The loop then learns the
  window if the server named it, compacts and retries once.
- `too_long(handle, window, detail)`: the error when even a compacted conversation
  does not fit: it names the window and how to change it.
- `clip_history(messages, budget_tokens, tokens_per_char)`: the last resort before
  a request goes out: the largest history messages are shortened in the request
  (head and tail kept, a marker in between) until the estimate fits. The stored
  messages are never changed; conversation_search still finds their full text.
"""

from __future__ import annotations

from dataclasses import replace

from letta_code.service.llm.overflow import is_overflow, prompt_tokens_from_text, window_from_text
from letta_code.service.llm.types import ChatMessage, ContextWindowExceededError, LLMError

# A stream that ends early with a prompt above this share of the window is taken as an overflow.
NEAR_WINDOW_SHARE = 0.6
MIN_CLIPPED_CHARS = 400  # a clipped message keeps at least this much of its text
_EARLY_END = "ended the stream early"


def as_overflow(exc: LLMError, estimated: int, window: int) -> ContextWindowExceededError | None:
    """`exc` as an overflow, or None when it is some other failure."""
    text = str(exc)
    if isinstance(exc, ContextWindowExceededError):
        if exc.window is None:
            exc.window = window_from_text(text)
        return exc
    if is_overflow(text):
        return ContextWindowExceededError(text, status=exc.status, window=window_from_text(text))
    if _EARLY_END in text and estimated >= NEAR_WINDOW_SHARE * window:
        return ContextWindowExceededError(
            f"{text}; the prompt (about {estimated} tokens) was near the context window ({window} tokens)",
            status=exc.status,
        )
    return None


def server_prompt_tokens(exc: ContextWindowExceededError) -> int | None:
    """The prompt size the server counted, when its error says it."""
    return prompt_tokens_from_text(str(exc))


def too_long(handle: str, window: int, detail: str) -> LLMError:
    """The one-line error for a conversation that does not fit even after compacting."""
    return ContextWindowExceededError(
        f'the conversation does not fit model "{handle}"\'s context window ({window} tokens) even after '
        f"compacting ({detail}). Give the model server a larger window (e.g. llama.cpp --ctx-size), then "
        f'tell letta with --context-window N or "models": {{"{handle}": {{"contextWindow": N}}}} in '
        "~/.letta/settings.json",
        window=window,
    )


def _tokens(msg: ChatMessage, tokens_per_char: float) -> int:
    size = len(msg.content) + len(msg.reasoning or "")
    size += sum(len(c.name) + len(c.arguments) for c in msg.tool_calls)
    return int(size * tokens_per_char) + 4


def _clip_text(text: str, keep: int) -> str:
    if len(text) <= keep:
        return text
    head, tail = keep * 2 // 3, keep // 3
    cut = len(text) - head - tail
    marker = f"\n[... {cut} characters cut here to fit the model's context window ...]\n"
    return text[:head] + marker + text[len(text) - tail :]


def clip_history(messages: list[ChatMessage], budget_tokens: int, tokens_per_char: float) -> list[ChatMessage]:
    """The history with its largest messages shortened until it fits `budget_tokens` (if it can)."""
    sizes = [_tokens(m, tokens_per_char) for m in messages]
    over = sum(sizes) - budget_tokens
    if over <= 0:
        return messages
    out = list(messages)
    for index in sorted(range(len(out)), key=lambda i: sizes[i], reverse=True):
        msg = out[index]
        if over <= 0 or len(msg.content) <= MIN_CLIPPED_CHARS:
            continue
        keep = max(MIN_CLIPPED_CHARS, len(msg.content) - int(over / tokens_per_char) - 200)
        clipped = _clip_text(msg.content, keep)
        over -= int((len(msg.content) - len(clipped)) * tokens_per_char)
        out[index] = replace(msg, content=clipped)
    return out
