"""Compile the system prompt: base instructions, memory blocks, and metadata.

The prompt comes in two parts, in cache order: first the stable part (the agent's
base instructions, which change only when someone edits them), then the part
that follows the agent's memory (blocks and metadata). Providers cache prompt
prefixes, and tool schemas come before the system prompt on the wire, so tools +
instructions stay cached however often memory changes. The metadata is kept
steady between steps too (a date, not a clock; a count that grows only when
messages leave the context), so a step's whole prompt up to the newest message is
usually a cache hit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources

from letta_code.schemas.chunks import ClientSkillSchema
from letta_code.schemas.state import BlockState


@cache
def base_instructions() -> str:
    return resources.files("letta_code.service.agent").joinpath("prompts/base.md").read_text("utf-8")


def render_block(block: BlockState) -> str:
    lines = [f"<{block.label}>"]
    if block.description:
        lines.append(f"<description>\n{block.description}\n</description>")
    read_only = " read_only=true" if block.read_only else ""
    lines.append(f"<metadata>\nchars_current={len(block.value)} chars_limit={block.limit}{read_only}\n</metadata>")
    lines.append(f"<value>\n{block.value}\n</value>")
    lines.append(f"</{block.label}>")
    return "\n".join(lines)


def render_memory(blocks: list[BlockState], *, context_messages: int, total_messages: int, now: datetime) -> str:
    """The changing part: memory blocks, then metadata.

    `context_messages` are the stored messages in the current context,
    `total_messages` all stored messages of the agent (every conversation).
    """
    memory = "\n".join(render_block(b) for b in blocks)
    outside = max(0, total_messages - context_messages)
    zone = now.strftime("%z")
    zone = f"UTC{zone[:3]}:{zone[3:]}" if zone else "local time"
    metadata = (
        "<memory_metadata>\n"
        f"- The current date is {now.strftime('%A, %B %d, %Y')} ({now.date().isoformat()}, {zone})\n"
        f"- {outside} earlier messages (from this and your other conversations) are outside your "
        "context; conversation_search finds them\n"
        "</memory_metadata>"
    )
    return (
        "<memory_blocks>\nThe following memory blocks are in your core memory:\n\n"
        f"{memory}\n</memory_blocks>\n\n{metadata}"
    )


def render_client_skills(skills: Sequence[ClientSkillSchema]) -> str:
    """The skills a client (the official Letta Code CLI: `client_skills`) says its environment has."""
    lines = [
        "<available_skills>",
        "Skills of the client's environment. Before a task one of them covers, load it with the "
        "Skill tool (or read its SKILL.md at the location given) and follow it.",
    ]
    for skill in skills:
        where = f" ({skill['location']})" if skill.get("location") else ""
        lines.append(f"- {skill['name']}: {skill.get('description') or ''}{where}")
    lines.append("</available_skills>")
    return "\n".join(lines)


def compile_system_parts(
    system: str,
    blocks: list[BlockState],
    *,
    context_messages: int,
    total_messages: int,
    now: datetime,
    skills: Sequence[ClientSkillSchema] | None = None,
) -> tuple[str, str]:
    """(stable instructions, memory and metadata): the system prompt in cache order.

    A client's `skills` (steady across its requests) come first in the second part.
    """
    memory = render_memory(blocks, context_messages=context_messages, total_messages=total_messages, now=now)
    if skills:
        memory = f"{render_client_skills(skills)}\n\n{memory}"
    return system.strip(), memory
