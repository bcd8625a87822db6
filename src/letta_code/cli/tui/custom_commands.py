"""The TUI side of the slash commands that expand into a prompt (custom command files, MCP
prompts): their rows in `/help` and in Tab completion, and running one as a user turn.

A built-in command of the same name wins (the prompt command is listed as hidden by it).
A command file's `model` is checked before anything runs (a bad one is one red line, and
nothing is sent); the turn then runs on it. A `!`command`` of a command file that the
permission rules do not allow is put to the user as a question before it runs; a no
stops the command, nothing is sent.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from letta_code.cli.tui.command_env import CommandEnv
from letta_code.harness.prompt_commands import PromptCommand, command_model


def visible(commands: Sequence[PromptCommand], builtins: Collection[str]) -> list[PromptCommand]:
    """The prompt commands a built-in of the same name does not hide."""
    return [c for c in commands if c.name.lower() not in builtins]


def completion_rows(commands: Sequence[PromptCommand], builtins: Collection[str]) -> list[tuple[str, str]]:
    """(name, what the completion menu shows beside it) for each usable prompt command."""
    rows = []
    for c in visible(commands, builtins):
        hint = f"{c.argument_hint}  " if c.argument_hint else ""
        rows.append((c.name, f"{hint}{c.description}".strip() or c.origin))
    return rows


def help_rows(commands: Sequence[PromptCommand], builtins: Collection[str]) -> list[tuple[str, str]]:
    """(`/name hint`, `description (origin)`) for /help, the hidden ones said to be."""
    rows = []
    for c in commands:
        left = f"/{c.name}" + (f" {c.argument_hint}" if c.argument_hint else "")
        hidden = f"; hidden by the built-in /{c.name.lower()}" if c.name.lower() in builtins else ""
        description = f"{c.description} " if c.description else ""
        rows.append((left, f"{description}({c.origin}{hidden})"))
    return rows


async def run_prompt_command(env: CommandEnv, command: PromptCommand, arguments: str) -> None:
    """Expand `command` with `arguments` and send the result as the user's message (on the
    command's model, when it names one)."""
    from letta_code.harness.command_expansion import approving

    async def ask(what: str) -> bool:
        picked = await env.choose(f"/{command.name} wants to {what} to build its prompt. Allow?", ["Yes", "No"])
        return picked == 0

    try:
        model = await command_model(command, env.backend.models)
        with approving(ask):
            text = await command.expand(arguments)
    except Exception as exc:  # a bad command must not end the session
        message = str(exc) or type(exc).__name__
        env.say(message if message.startswith(f"/{command.name}") else f"/{command.name} failed: {message}", "red")
        return
    if not text.strip():
        env.say(f"/{command.name} expanded to an empty message; nothing was sent.", "yellow")
        return
    if env.send is None:  # a command environment without a session loop to send it in
        env.say(f"/{command.name}: there is no session to send the message in.", "red")
        return
    await env.send(text, model=model)
