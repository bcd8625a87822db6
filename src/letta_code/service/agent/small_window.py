"""A prompt that fits small context windows (local models often run with 2,048–8,192 tokens).

With every tool and the full instructions, a first request is about 3,000 tokens:
more than a 2,048-token window holds before the model has said a word. When the
window is at most `SMALL_WINDOW` tokens the loop sends instead:

- compact instructions (`prompts/base_small.md`) when the agent runs the built-in
  ones (a custom system prompt is the user's choice and is kept);
- memory blocks as bare `<label>value</label>` (no descriptions, no metadata);
- tool schemas with one-line descriptions and parameters without their prose; at
  most `TINY_WINDOW` tokens, only the required parameters.

Nothing is removed from the agent: a larger window gets the full prompt back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from letta_code.schemas.chunks import ClientSkillSchema
from letta_code.schemas.state import BlockState
from letta_code.service.agent.prompt import base_instructions
from letta_code.service.llm.types import ToolSpec

SMALL_WINDOW = 8_192
TINY_WINDOW = 4_096
_SENTENCE = re.compile(r"(?<=[.;:!?])\s|\s\(")


def is_small(window: int) -> bool:
    return 0 < window <= SMALL_WINDOW


@cache
def _small_base() -> str:
    return resources.files("letta_code.service.agent").joinpath("prompts/base_small.md").read_text("utf-8").strip()


def small_instructions(stable: str) -> str:
    """The compact instructions in place of the built-in ones; a custom prompt stays."""
    return _small_base() if stable.strip() == base_instructions().strip() else stable


def compact_memory(blocks: list[BlockState], *, skills: Sequence[ClientSkillSchema]) -> str:
    lines = ["<memory>"]
    lines += [f"<{b.label}>{b.value.strip()}</{b.label}>" for b in blocks]
    lines.append("</memory>")
    if skills:
        lines.append("Skills (load with the Skill tool): " + ", ".join(s["name"] for s in skills))
    return "\n".join(lines)


def first_sentence(text: str, limit: int) -> str:
    """The first sentence of `text`, at most `limit` characters."""
    head = _SENTENCE.split(text.strip(), maxsplit=1)[0].strip()
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


def _compact_schema(schema: dict[str, Any], *, required_only: bool) -> dict[str, Any]:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema
    required = [r for r in schema.get("required") or [] if r in properties]
    kept: dict[str, Any] = {}
    for name, prop in properties.items():
        if required_only and name not in required:
            continue
        if isinstance(prop, dict):
            prop = {k: v for k, v in prop.items() if k not in ("description", "examples", "default", "title")}
        kept[name] = prop
    out: dict[str, Any] = {"type": "object", "properties": kept}
    if required:
        out["required"] = required
    return out


def compact_tools(tools: list[ToolSpec], window: int) -> list[ToolSpec]:
    """The tools with one-line descriptions and lean parameter schemas."""
    tiny = window <= TINY_WINDOW
    return [
        ToolSpec(
            name=t.name,
            description=first_sentence(t.description, 60 if tiny else 100),
            parameters=_compact_schema(t.parameters or {}, required_only=tiny),
        )
        for t in tools
    ]
