"""Compile the system prompt: base instructions, memory blocks, and metadata."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources

from letta_code.schemas.state import BlockState


@cache
def base_instructions() -> str:
    return resources.files("letta_code.service.agent").joinpath("prompts/base.md").read_text("utf-8")


def render_block(block: BlockState) -> str:
    lines = [f"<{block.label}>"]
    if block.description:
        lines.append(f"<description>\n{block.description}\n</description>")
    read_only = " read_only=true" if block.read_only else ""
    lines.append(
        f"<metadata>\nchars_current={len(block.value)} chars_limit={block.limit}{read_only}\n</metadata>"
    )
    lines.append(f"<value>\n{block.value}\n</value>")
    lines.append(f"</{block.label}>")
    return "\n".join(lines)


def compile_system_prompt(
    system: str,
    blocks: list[BlockState],
    *,
    conversation_messages: int,
    total_messages: int,
    now: datetime,
) -> str:
    memory = "\n".join(render_block(b) for b in blocks)
    metadata = (
        "<memory_metadata>\n"
        f"- The current date is {now.strftime('%A, %B %d, %Y')} ({now.isoformat(timespec='seconds')})\n"
        f"- {conversation_messages} messages in this conversation; "
        f"{total_messages} messages in all your conversations (searchable history)\n"
        "</memory_metadata>"
    )
    return (
        f"{system.strip()}\n\n"
        "<memory_blocks>\nThe following memory blocks are in your core memory:\n\n"
        f"{memory}\n</memory_blocks>\n\n{metadata}"
    )
