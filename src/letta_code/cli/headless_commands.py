"""The built-in slash commands of `letta -p "/name args"`.

`/init` and `/remember TEXT` become the turn they stand for (`harness/memory_prompts.py`);
`/reflect`, `/compact` and `/clear` do their work and answer with one line, with no turn.
A custom command file or MCP prompt of the same name is left to `expand_invocation`
only when no built-in has the name; any other `/name` is an error naming the commands
there are, never a prompt sent by mistake. `/usr/bin/x is broken` is not a command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from letta_code.cli.reflection_setup import make_reflector
from letta_code.cli.session import SessionContext
from letta_code.errors import UserError
from letta_code.harness.memory_prompts import init_prompt, remember_prompt
from letta_code.harness.prompt_commands import find_prompt_command, is_command_name, parse_invocation

BUILTIN_COMMANDS = ("init", "remember", "reflect", "compact", "clear")


class HeadlessCommandError(UserError):
    """An unknown slash command, or a built-in one used wrongly; one line."""


@dataclass
class CommandOutcome:
    """What a built-in did: a prompt to send as the turn, or the line it answers with."""

    prompt: str | None = None
    line: str | None = None


async def run_builtin(ctx: SessionContext, text: str, env: Mapping[str, str]) -> CommandOutcome | None:
    """The outcome of `text` when it is a built-in command; None when it is a prompt (or a
    custom command, which `expand_invocation` expands)."""
    invocation = parse_invocation(text)
    if invocation is None or not is_command_name(invocation[0]):
        return None
    name, argument = invocation[0].lower(), invocation[1]
    conversation = ctx.target.conversation.id
    if name == "init":
        return CommandOutcome(prompt=init_prompt(ctx.tool_session.cwd))
    if name == "remember":
        if not argument:
            raise HeadlessCommandError('/remember needs the text to remember: letta -p "/remember we use tabs"')
        return CommandOutcome(prompt=remember_prompt(argument))
    if name == "reflect":
        outcome = await make_reflector(ctx, env).reflect_now()
        if outcome.error:
            raise HeadlessCommandError(outcome.summary())
        return CommandOutcome(line=outcome.summary().removesuffix(" — /memory to see"))
    if name == "compact":
        report = await ctx.backend.compact(conversation)
        if report is None:
            return CommandOutcome(line="Nothing to compact: only the latest turn is in the context.")
        count = int(report.get("num_messages_summarized") or 0)
        return CommandOutcome(line=f"Compacted: summarized {count} message{'' if count == 1 else 's'}.")
    if name == "clear":
        await ctx.backend.clear_context(conversation)
        return CommandOutcome(line="Conversation context cleared (its messages stay searchable).")
    if find_prompt_command(ctx.prompt_commands, invocation[0]) is not None:
        return None
    custom = sorted(f"/{c.name}" for c in ctx.prompt_commands)
    known = ", ".join([f"/{n}" for n in BUILTIN_COMMANDS] + custom)
    raise HeadlessCommandError(f"unknown command /{invocation[0]} (commands: {known})")
