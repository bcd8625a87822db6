"""Slash commands that expand into a prompt: custom commands (Markdown files) and MCP prompts.

A `PromptCommand` is what the TUI lists in `/help`, completes after `/`, and what both
the TUI and headless mode (`letta -p "/name args"`) run: `expand(arguments)` returns
the user message to send.

Also here, for the two places that run them: finding one by name, the model a command's
turn runs on (`command_model`, its file's `model` resolved as `-m` is), expanding a
headless prompt `/name args` (`expand_invocation`), and the folders custom command files
come from (`command_dirs`; the files themselves are read by `command_files.py`, imported
only when one of those folders exists).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from letta_code.errors import UserError

if TYPE_CHECKING:
    from letta_code.client.models import ModelCatalog


@dataclass(frozen=True)
class PromptCommand:
    """One slash command whose body becomes the user message."""

    name: str  # without the slash: "hello", "frontend:test", "mcp__server__prompt"
    description: str
    argument_hint: str  # e.g. "[file] [message]" ("" when the command takes none)
    origin: str  # where it comes from, for /help: the file's path, or "MCP server NAME"
    expand: Callable[[str], Awaitable[str]]  # the arguments text -> the user message
    model: str | None = None  # the model its turn runs on, as written (a file's `model`); None: the agent's


# A command name: words of letters, digits, `_`, `-` and `.`, joined by `:` (a subfolder).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*(?::[A-Za-z0-9][A-Za-z0-9_.\-]*)*\Z")
_INVOCATION = re.compile(r"/(\S+)(.*)\Z", re.DOTALL)


def is_command_name(name: str) -> bool:
    return bool(_NAME.match(name))


def parse_invocation(text: str) -> tuple[str, str] | None:
    """(name, arguments) of a `/name arguments` prompt; None for anything else (`//x`, `/a/b`)."""
    match = _INVOCATION.match(text.strip())
    if match is None or "/" in match.group(1):
        return None
    return match.group(1), match.group(2).strip()


def find_prompt_command(commands: Sequence[PromptCommand], name: str) -> PromptCommand | None:
    """The command called `name` (exactly; else the only one whose name matches ignoring case)."""
    for command in commands:
        if command.name == name:
            return command
    folded = [c for c in commands if c.name.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def _checked_model(command: PromptCommand, model: str, models: ModelCatalog) -> str:
    try:
        handle = models.resolve_handle(model)
        models.check_model(model)
    except UserError as exc:
        raise UserError(f"/{command.name}: {exc} (the 'model' of {command.origin})") from exc
    return handle


async def command_model(command: PromptCommand, models: ModelCatalog) -> str | None:
    """The `provider/model` handle `command`'s turn runs on, resolved and checked as `-m` is
    (aliases; a provider that is not configured or does not serve it is a UserError naming
    the command); None: the agent's own model. Asked before the command is expanded. The
    check may ask the provider for its models: it runs in a thread."""
    if command.model is None:
        return None
    return await asyncio.to_thread(_checked_model, command, command.model, models)


@dataclass(frozen=True)
class Expanded:
    """What a headless prompt sends, and on which model."""

    text: str
    model: str | None = None  # the command's model handle; None: the agent's


async def expand_invocation(commands: Sequence[PromptCommand], text: str, models: ModelCatalog) -> Expanded:
    """What a headless prompt sends: the expansion of `/name args` when `name` is one of
    `commands` (on the command's model, checked first), else the prompt itself (an
    unknown `/name` goes to the agent as text)."""
    invocation = parse_invocation(text)
    command = find_prompt_command(commands, invocation[0]) if invocation is not None else None
    if command is None or invocation is None:
        return Expanded(text)
    model = await command_model(command, models)
    return Expanded(await command.expand(invocation[1]), model)


@dataclass(frozen=True)
class CommandDir:
    """A folder of custom command files (`*.md`), and whose it is."""

    path: Path
    scope: str  # "project" or "user"


def command_dirs(cwd: Path, letta_home: Path, home: Path) -> list[CommandDir]:
    """Where custom command files are looked for, highest precedence first (a name found in
    several is taken from the first): the project's `.letta/commands/` and `.claude/commands/`,
    then the user's `$LETTA_HOME/commands/` and `~/.claude/commands/`. Only folders that exist."""
    candidates = [
        CommandDir(cwd / ".letta" / "commands", "project"),
        CommandDir(cwd / ".claude" / "commands", "project"),
        CommandDir(letta_home / "commands", "user"),
        CommandDir(home / ".claude" / "commands", "user"),
    ]
    found: list[CommandDir] = []
    seen: set[Path] = set()
    for candidate in candidates:
        try:
            real = candidate.path.resolve()
        except OSError:
            continue
        if real in seen or not candidate.path.is_dir():
            continue
        seen.add(real)
        found.append(candidate)
    return found
