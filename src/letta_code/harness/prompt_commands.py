"""Slash commands that expand into a prompt: custom commands (Markdown files) and MCP prompts.

A `PromptCommand` is what the TUI lists in `/help`, completes after `/`, and what both
the TUI and headless mode (`letta -p "/name args"`) run: `expand(arguments)` returns
the user message to send.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PromptCommand:
    """One slash command whose body becomes the user message."""

    name: str  # without the slash: "hello", "frontend:test", "mcp__server__prompt"
    description: str
    argument_hint: str  # e.g. "[file] [message]" ("" when the command takes none)
    origin: str  # where it comes from, for /help: the file's path, or "MCP server NAME"
    expand: Callable[[str], Awaitable[str]]  # the arguments text -> the user message
