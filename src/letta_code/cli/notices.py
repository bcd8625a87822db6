"""Lines the CLI shows for service events that are not messages (headless stderr and the TUI alike)."""

from __future__ import annotations

from typing import TypeGuard

from letta_code.schemas.chunks import CompactionEventChunk, CompactionEventData, StreamChunk


def format_tokens(n: int) -> str:
    """A token count for people: 950, 3.1k, 1.2M."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k".replace(".0k", "k")
    return f"{n / 1_000_000:.1f}M".replace(".0M", "M")


def is_overflow_compaction(chunk: StreamChunk) -> TypeGuard[CompactionEventChunk]:
    """An `event_message` saying the service compacted because a request did not fit."""
    data = chunk.get("event_data")
    return (
        chunk.get("message_type") == "event_message"
        and isinstance(data, dict)
        and data.get("trigger") == "context_window_exceeded"
    )


def compaction_note(data: CompactionEventData) -> str:
    """The line for an automatic compaction (`event_data` of a compaction event)."""
    window = f"{int(data.get('context_window') or 0):,} tokens"
    before, after = data.get("messages_count_before"), data.get("messages_count_after")
    counts = f" ({before} -> {after} messages)" if before is not None and after is not None else ""
    if data.get("trigger") == "context_window_exceeded":
        return f"the conversation did not fit the model's context window ({window}): compacted it{counts} and retried"
    return f"compacted the conversation{counts} to stay within the model's context window ({window})"
