"""Server-side memory tools: memory_replace, memory_insert, memory_rethink.

Edits are applied with optimistic concurrency: read the block, compute the new
value, write only if nobody wrote in between, else re-read and re-apply. Two
conversations editing the same shared block therefore both land.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from letta_code.schemas.state import BlockState
from letta_code.service.llm.types import ToolSpec
from letta_code.service.store.agents import AgentStore


class MemoryToolError(Exception):
    """The edit cannot be made; the message goes back to the model."""


_LABEL = {"type": "string", "description": "Label of the memory block, e.g. human"}

MEMORY_TOOL_SPECS = [
    ToolSpec(
        name="memory_replace",
        description="Replace an exact string in a memory block. old_str must occur exactly once.",
        parameters={
            "type": "object",
            "properties": {
                "label": _LABEL,
                "old_str": {"type": "string", "description": "Exact text to replace"},
                "new_str": {"type": "string", "description": "Replacement text (may be empty)"},
            },
            "required": ["label", "old_str", "new_str"],
        },
    ),
    ToolSpec(
        name="memory_insert",
        description="Insert text into a memory block at a line number (0 = top, -1 = end).",
        parameters={
            "type": "object",
            "properties": {
                "label": _LABEL,
                "new_str": {"type": "string", "description": "Text to insert"},
                "insert_line": {"type": "integer", "description": "Line to insert after; -1 = end"},
            },
            "required": ["label", "new_str"],
        },
    ),
    ToolSpec(
        name="memory_rethink",
        description="Rewrite a memory block completely with new_memory (reorganise or condense it).",
        parameters={
            "type": "object",
            "properties": {
                "label": _LABEL,
                "new_memory": {"type": "string", "description": "The block's new full value"},
            },
            "required": ["label", "new_memory"],
        },
    ),
]
MEMORY_TOOL_NAMES = {spec.name for spec in MEMORY_TOOL_SPECS}
# The tag of a reflection agent (`reflection.py`): its edits are recorded with this source.
REFLECTION_TAG = "reflection"


def _require_str(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str):
        raise MemoryToolError(f"argument '{key}' is required and must be a string")
    return value


def _replace(value: str, args: dict[str, Any]) -> str:
    old, new = _require_str(args, "old_str"), _require_str(args, "new_str")
    if not old:
        raise MemoryToolError("old_str must not be empty; use memory_insert to add text")
    count = value.count(old)
    if count == 0:
        raise MemoryToolError(f"old_str {old!r} was not found in the block")
    if count > 1:
        raise MemoryToolError(
            f"old_str {old!r} occurs {count} times in the block; include more context to make it unique"
        )
    return value.replace(old, new, 1)


def _insert(value: str, args: dict[str, Any]) -> str:
    new = _require_str(args, "new_str")
    line = args.get("insert_line", -1)
    if not isinstance(line, int):
        raise MemoryToolError("insert_line must be an integer")
    lines = value.split("\n") if value else []
    if line == -1 or line >= len(lines):
        lines.append(new)
    elif line < -1:
        raise MemoryToolError("insert_line must be -1 (end) or a line number >= 0")
    else:
        lines.insert(line, new)
    return "\n".join(lines)


def _rethink(_value: str, args: dict[str, Any]) -> str:
    return _require_str(args, "new_memory")


_EDITS: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "memory_replace": _replace,
    "memory_insert": _insert,
    "memory_rethink": _rethink,
}


def run_memory_tool(
    store: AgentStore,
    *,
    tool_name: str,
    args: dict[str, Any],
    agent_id: str,
    conversation_id: str,
    tool_call_id: str | None = None,
    replay: bool = False,
    max_attempts: int = 20,
) -> str:
    """Apply one memory edit; returns the confirmation, raises MemoryToolError.

    `replay`: the call is re-run after a crash; an edit it already made (recorded with
    its `tool_call_id`) is confirmed, not applied twice.
    """
    edit = _EDITS[tool_name]
    label = _require_str(args, "label")
    landed = store.edit_by_tool_call(tool_call_id) if replay and tool_call_id else None
    if landed is not None:
        return _confirmation(label, len(landed[1]), store.get_block(landed[0]).limit)
    agent = store.get_agent(agent_id)
    source = REFLECTION_TAG if REFLECTION_TAG in agent.tags else tool_name
    for attempt in range(max_attempts):
        block = _block_by_label(agent.blocks if attempt == 0 else store.get_agent(agent_id).blocks, label)
        if block.read_only:
            raise MemoryToolError(f"block '{label}' is read-only and cannot be edited")
        new_value = edit(block.value, args)
        if len(new_value) > block.limit:
            raise MemoryToolError(
                f"the edit would make block '{label}' {len(new_value)} characters, over its limit of "
                f"{block.limit}; condense it first (memory_rethink)"
            )
        written = store.write_block(
            block.id,
            new_value,
            expected_version=block.version,
            agent_id=agent_id,
            conversation_id=conversation_id,
            source=source,
            tool_call_id=tool_call_id,
        )
        if written is not None:
            return _confirmation(label, len(new_value), block.limit)
    raise MemoryToolError(f"block '{label}' is being edited concurrently; try again")


def _confirmation(label: str, size: int, limit: int) -> str:
    return (
        f"The memory block '{label}' was edited ({size}/{limit} characters). "
        "Its new value is in your system prompt from now on."
    )


def _block_by_label(blocks: list[BlockState], label: str) -> BlockState:
    for block in blocks:
        if block.label == label:
            return block
    labels = ", ".join(b.label for b in blocks) or "none"
    raise MemoryToolError(f"no memory block labelled '{label}' (blocks: {labels})")
