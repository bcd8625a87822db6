"""Which models accept images, and the request a text-only model gets instead.

The rule, by the model's handle (`provider/model`; for a routed name such as
`openrouter/anthropic/claude-sonnet-4.5` the last part is what counts):

- `LETTA_MODEL_VISION` decides when set: `1`/`true` (every model accepts images),
  `0`/`false` (none does), or a comma-separated list of handles or handle prefixes
  that accept images besides the rule's (`llamacpp/gemma3,ollama/`).
- A name that says it sees (`llava`, `vision`, `-vl`, `pixtral`, ...) accepts images,
  on any provider.
- Models of a local server (ollama, lmstudio, llamacpp) otherwise do not: most local
  models are text-only, and their servers answer an image part with an error.
- Cloud models accept images by family: Claude, GPT-4o / 4.1 / 5, o1 / o3 / o4 (not
  their text-only minis), Gemini. Any other model is taken as text-only.

A text-only model gets, instead of each image, the line
`[image omitted: <handle> does not accept images]` in the message's text
(`without_images`). `registry.get_provider` sets the adapter's `accepts_images` by this
rule, and the adapter applies it when it builds the request body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from letta_code.service.llm.types import ChatMessage

VISION_ENV = "LETTA_MODEL_VISION"
_LOCAL = ("ollama", "lmstudio", "llamacpp")
_SEEING_NAMES = ("llava", "vision", "-vl", "vl-", "pixtral", "bakllava", "moondream", "minicpm-v", "qwen2.5vl")
_VISION_FAMILIES = (
    "claude-",
    "gpt-4o",
    "chatgpt-4o",
    "gpt-4.1",
    "gpt-4-turbo",
    "gpt-5",
    "o1",
    "o3",
    "o4",
    "gemini-",
)
_TEXT_ONLY = ("o1-mini", "o1-preview", "o3-mini", "claude-2", "claude-instant")


def _override(value: str, handle: str) -> bool | None:
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    listed = [item.strip() for item in value.split(",") if item.strip()]
    return True if any(handle == item or handle.startswith(item) for item in listed) else None


def accepts_images(handle: str, env: Mapping[str, str]) -> bool:
    """Whether the model of `handle` is sent images (the rule of this module's docstring)."""
    if (setting := env.get(VISION_ENV)) and (decided := _override(setting, handle)) is not None:
        return decided
    provider, _, model = handle.partition("/")
    name = model.rsplit("/", 1)[-1].lower()
    if any(marker in name for marker in _SEEING_NAMES):
        return True
    if provider in _LOCAL or name.startswith(_TEXT_ONLY):
        return False
    return name.startswith(_VISION_FAMILIES)


def image_note(handle: str) -> str:
    return f"[image omitted: {handle} does not accept images]"


def without_images(messages: list[ChatMessage], handle: str) -> list[ChatMessage]:
    """The messages with each image replaced by a one-line note in the message's text."""
    out: list[ChatMessage] = []
    for msg in messages:
        if not msg.images:
            out.append(msg)
            continue
        notes = "\n".join(image_note(handle) for _ in msg.images)
        text = f"{msg.content}\n{notes}" if msg.content else notes
        out.append(replace(msg, content=text, images=[]))
    return out
