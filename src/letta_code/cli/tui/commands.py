"""Slash commands of the interactive session (`/help`, `/model`, `/resume`, ...).

Each command is an async function of (CommandEnv, argument text); the environment
lives in `command_env.py`, which `conversations.py` uses too. They act on the
`TuiState` and the backend and print with rich; they never touch the terminal
directly, so they run in tests against a real or fake backend and a string console.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from rich.text import Text

from letta_code.cli.notices import format_tokens
from letta_code.cli.tui import render
from letta_code.cli.tui.agent_view import agent_rows
from letta_code.cli.tui.command_env import CommandEnv
from letta_code.cli.tui.conversations import pick_conversation, show_recap, switch_conversation
from letta_code.cli.tui.custom_commands import completion_rows, help_rows, run_prompt_command
from letta_code.cli.tui.state import TuiState
from letta_code.config import paths
from letta_code.harness.instructions import INSTRUCTIONS_LABEL, instructions_line
from letta_code.harness.prompt_commands import PromptCommand, find_prompt_command, parse_invocation
from letta_code.schemas.state import AgentState


class CommandError(Exception):
    """A command could not do what was asked; the message is shown to the user."""


Handler = Callable[[CommandEnv, str], Awaitable[None]]


@dataclass(frozen=True)
class SlashCommand:
    name: str
    help: str
    handler: Handler
    usage: str = ""


COMMANDS: dict[str, SlashCommand] = {}


def command(name: str, help_text: str, usage: str = "") -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = SlashCommand(name, help_text, fn, usage)
        return fn

    return register


def completions(prompt_commands: Sequence[PromptCommand] = ()) -> list[tuple[str, str]]:
    """What `/` completes: the built-ins, then the prompt commands they do not hide."""
    return [(c.name, c.help) for c in COMMANDS.values()] + completion_rows(prompt_commands, COMMANDS)


def find_command(name: str) -> SlashCommand | None:
    """The command called `name`, or the only one it is a prefix of (`/mem` -> /memory)."""
    name = name.lower()
    if name in COMMANDS:
        return COMMANDS[name]
    matches = [c for n, c in COMMANDS.items() if n.startswith(name)] if name else []
    return matches[0] if len(matches) == 1 else None


def is_command(line: str) -> bool:
    return line.startswith("/") and not line.startswith("//")


async def run_command(env: CommandEnv, line: str) -> None:
    """Run one `/command args` line; errors are printed, never raised."""
    name, _, arg = line[1:].strip().partition(" ")
    invocation = parse_invocation(line)  # a built-in's exact name, then a prompt command's, then a prefix
    prompt = find_prompt_command(env.state.ctx.prompt_commands, invocation[0]) if invocation else None
    if invocation and prompt and name.lower() not in COMMANDS:
        return await run_prompt_command(env, prompt, invocation[1])
    cmd = find_command(name)
    if cmd is None:
        env.say(f"Unknown command /{name}. /help lists the commands.", "red")
        return
    try:
        await cmd.handler(env, arg.strip())
    except CommandError as exc:
        env.say(str(exc), "red")
    except Exception as exc:  # a failing backend call must not end the session
        env.say(f"/{cmd.name} failed: {exc}", "red")


# ------------------------------------------------------------------ commands
KEY_ROWS = [
    ("Enter", "send the message"),
    ("Alt+Enter, Ctrl+J", "insert a newline (multi-line input)"),
    ("Up / Down", "walk the input history (kept in $LETTA_HOME/history)"),
    ("Shift+Tab", "cycle the permission mode: default → acceptEdits → plan → bypassPermissions"),
    ("Esc / Ctrl-C", "interrupt the agent while it works"),
    ("Ctrl-C twice", "exit (so does Ctrl-D on an empty line)"),
    ("@path", "complete a file path (relative to the working directory)"),
    ("!command", "run a shell command here and show its output (not sent to the agent)"),
    ("/command", "run a slash command (Tab completes)"),
]


@command("help", "show commands and keys")
async def _help(env: CommandEnv, arg: str) -> None:
    rows = [(f"/{c.name}" + (f" {c.usage}" if c.usage else ""), c.help) for c in COMMANDS.values()]
    env.say(Text("Commands", style="bold underline"))
    env.console.print(render.two_columns(rows, left_style=""))
    if env.state.ctx.prompt_commands:  # custom command files, MCP prompts
        env.say(Text("Custom commands", style="bold underline"))
        env.console.print(render.two_columns(help_rows(env.state.ctx.prompt_commands, COMMANDS), left_style=""))
    env.say(Text("Keys and input", style="bold underline"))
    env.console.print(render.two_columns(KEY_ROWS, left_style=""))


@command("agent", "show the agent's id, name and how to reach it")
async def _agent(env: CommandEnv, arg: str) -> None:
    rows = agent_rows(env.state.agent, env.state.conversation, env.backend.base_url)
    env.console.print(render.two_columns(rows))


async def _refresh_agent(env: CommandEnv) -> AgentState:
    agent = await env.backend.find_agent(env.state.agent.id)
    if agent is not None:
        env.state.agent = agent
    return env.state.agent


@command("model", "switch the agent's model (picker without an argument)", "[handle]")
async def _model(env: CommandEnv, arg: str) -> None:
    from letta_code.cli.model_window import model_choices, window_for_model

    current, settings, models = env.state.agent.model, env.state.ctx.settings, env.backend.models
    if not arg:
        options = await model_choices(settings, models, current)
        handles = [o.handle for o in options]
        if not handles:
            raise CommandError("No model provider is configured (set OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).")
        labels = [
            o.handle
            + (f"  ({format_tokens(o.context_window)} context)" if o.context_window else "")
            + ("  ← current" if o.handle == current else "")
            for o in options
        ]
        default = handles.index(current) if current in handles else 0
        picked = await env.choose(f"Switch model (current: {current})", labels, default=default)
        if picked is None or picked < 0:
            env.say("Model unchanged.", "dim")
            return
        arg = handles[picked]
    try:
        handle = models.resolve_handle(arg)
        models.check_provider(handle)
    except Exception as exc:
        raise CommandError(str(exc)) from exc
    size = window_for_model(settings, models, handle)  # settings > discovered > table
    agent_id = env.state.agent.id
    if size:
        env.state.agent = await env.backend.update_agent(agent_id, model=handle, context_window=size)
    else:  # the agent keeps the window it has
        env.state.agent = await env.backend.update_agent(agent_id, model=handle)
    env.say(f"Model switched to {env.state.agent.model}.", "green")


@command("rename", "rename the agent", "<name>")
async def _rename(env: CommandEnv, arg: str) -> None:
    if not arg:
        raise CommandError("Usage: /rename <name>")
    env.state.agent = await env.backend.update_agent(env.state.agent.id, name=arg)
    env.say(f"Agent renamed to {env.state.agent.name}.", "green")


@command("stream", "toggle token streaming")
async def _stream(env: CommandEnv, arg: str) -> None:
    env.state.stream = not env.state.stream
    env.say(f"Token streaming {'on' if env.state.stream else 'off'}.")


@command("reasoning", "toggle showing reasoning in full (or truncated)")
async def _reasoning(env: CommandEnv, arg: str) -> None:
    env.state.full_reasoning = not env.state.full_reasoning
    env.say(f"Reasoning is shown {'in full' if env.state.full_reasoning else 'truncated'}.")
    if env.state.full_reasoning and env.state.last_reasoning:
        env.console.print(render.reasoning_text(env.state.last_reasoning, full=True))


def _set_client_tools(state: TuiState) -> None:
    from letta_code.cli.session import offered_tools, warn
    from letta_code.cli.tool_setup import requested_tools

    ctx = state.ctx
    requested = requested_tools(ctx.args, warn)
    ctx.tool_names, ctx.client_tools = offered_tools(requested, state.agent, ctx.special_tools, ctx.mcp)


@command("link", "attach the Letta Code tools (Read, Write, Edit, Bash, ...) to the agent")
async def _link(env: CommandEnv, arg: str) -> None:
    from letta_code.tools.registry import ALL_TOOL_NAMES

    keep = [t for t in env.state.agent.tools if t not in ALL_TOOL_NAMES]
    env.state.agent = await env.backend.update_agent(env.state.agent.id, tools=keep + list(ALL_TOOL_NAMES))
    _set_client_tools(env.state)
    env.say(f"Linked {len(env.state.ctx.tool_names)} tools: {', '.join(env.state.ctx.tool_names)}.", "green")


@command("unlink", "remove the Letta Code tools from the agent")
async def _unlink(env: CommandEnv, arg: str) -> None:
    from letta_code.tools.registry import ALL_TOOL_NAMES

    keep = [t for t in env.state.agent.tools if t not in ALL_TOOL_NAMES]
    env.state.agent = await env.backend.update_agent(env.state.agent.id, tools=keep)
    _set_client_tools(env.state)
    env.say("Unlinked the Letta Code tools; the agent can no longer touch your files.", "green")


@command("clear", "clear the conversation's context (history stays searchable)")
async def _clear(env: CommandEnv, arg: str) -> None:
    await env.backend.clear_context(env.state.conversation.id)
    env.state.context_tokens = 0
    env.say("Conversation context cleared.", "green")
    if env.state.ctx.hooks is not None:  # hooks: SessionStart, source clear
        await env.state.ctx.hooks.session_start("clear")


SUMMARY_PREVIEW_LINES = 8


@command("compact", "summarize older messages to free context (they stay searchable)")
async def _compact(env: CommandEnv, arg: str) -> None:
    if env.state.ctx.hooks is not None:  # hooks: PreCompact, trigger manual
        await env.state.ctx.hooks.pre_compact("manual", arg)
    env.say("Compacting the conversation…", "dim")
    report = await env.backend.compact(env.state.conversation.id)
    if report is None:
        env.say("Nothing to compact: only the latest turn is in the context.", "dim")
        return
    count = int(report.get("num_messages_summarized") or 0)
    before, after = report.get("num_messages_before"), report.get("num_messages_after")
    env.state.absorb_compact(report)  # the gauge shows the smaller prompt
    plural = "" if count == 1 else "s"
    size = f" The context is now about {format_tokens(env.state.context_tokens)} tokens."
    env.say(
        f"Compacted: summarized {count} message{plural} ({before} → {after} in context)."
        + (size if env.state.context_known else "")
        + " They stay searchable with conversation_search.",
        "green",
    )
    lines = str(report.get("summary") or "").strip().splitlines()
    if lines:
        shown = [render.clip(line, max(20, env.console.width - 2)) for line in lines[:SUMMARY_PREVIEW_LINES]]
        if len(lines) > SUMMARY_PREVIEW_LINES:
            shown.append(f"… ({len(lines) - SUMMARY_PREVIEW_LINES} more lines)")
        env.say("\n".join(shown), "dim")


@command("hooks", "list the active hooks and the settings file of each")
async def _hooks(env: CommandEnv, arg: str) -> None:
    from letta_code.cli.tui.hook_events import hooks_table

    env.console.print(hooks_table(env.state.ctx.hooks, env.state.ctx.tool_session.cwd), soft_wrap=True)


@command("mcp", "list the MCP servers: scope, status, tools and prompts")
async def _mcp(env: CommandEnv, arg: str) -> None:
    from letta_code.cli.tui.mcp_view import mcp_table

    env.console.print(mcp_table(env.state.ctx.mcp), soft_wrap=True)


@command("init", "learn this repository into the project block (and offer an AGENTS.md)")
async def _init(env: CommandEnv, arg: str) -> None:
    from letta_code.harness.memory_prompts import init_prompt

    await env.send_turn(init_prompt(env.state.ctx.tool_session.cwd))


@command("remember", "file a note into the right memory block (also: #note)", "<text>")
async def _remember(env: CommandEnv, arg: str) -> None:
    from letta_code.harness.memory_prompts import remember_prompt

    if not arg:
        raise CommandError("Usage: /remember <text> (or start a line with #)")
    await env.send_turn(remember_prompt(arg))


@command("reflect", "review the work since the last reflection and update memory now")
async def _reflect(env: CommandEnv, arg: str) -> None:
    from letta_code.cli.reflection_setup import make_reflector
    from letta_code.cli.tui.reflection_view import reflect_and_show

    reflector = env.state.reflector or make_reflector(env.state.ctx, env.state.env)
    await reflect_and_show(reflector, env.console, env.state.ctx)


@command("memory", "show the agent's memory blocks")
async def _memory(env: CommandEnv, arg: str) -> None:
    agent = await _refresh_agent(env)
    env.console.print(render.memory_blocks(list(agent.blocks)))
    if block := next((b for b in agent.blocks if b.label == INSTRUCTIONS_LABEL), None):
        env.say(instructions_line(block.value))  # which AGENTS.md / CLAUDE.md files the agent sees


@command("todos", "show the agent's todo list (what TodoWrite keeps)")
async def _todos(env: CommandEnv, arg: str) -> None:
    from letta_code.cli.tui.todos import todo_list
    from letta_code.tools.builtin.todo_write import TODOS_KEY

    todos = env.state.ctx.tool_session.state.get(TODOS_KEY)  # None before TodoWrite ran
    if todos is None:
        env.say("No todo list yet: the agent has not used TodoWrite in this session.", "dim")
        return
    env.console.print(todo_list(todos, env.console.width, prefix="  "))


@command("agents", "list the subagent types of the Task tool, or create one", "[create NAME DESCRIPTION]")
async def _agents(env: CommandEnv, arg: str) -> None:
    from letta_code.cli.tui.subagents_view import agents_command

    agents_command(env.console, arg, env.state.ctx.tool_session.cwd, paths.letta_home(), env.state.ctx.subagents)


@command("mode", "show or set the permission mode", "[mode]")
async def _mode(env: CommandEnv, arg: str) -> None:
    from letta_code.permissions import parse_mode

    if arg:
        try:
            env.state.ctx.checker.mode = parse_mode(arg)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    env.say(f"Permission mode: {env.state.mode_name}")


@command("resume", "switch to another conversation of this agent")
async def _resume(env: CommandEnv, arg: str) -> None:
    if arg:
        conv = await env.backend.find_conversation(arg)
        if conv is None or conv.agent_id != env.state.agent.id:
            raise CommandError(f"No conversation {arg} for this agent.")
        switch_conversation(env.state, conv)
        env.say(f"Resumed conversation {conv.id}.", "green")
        await show_recap(env)
        return
    await pick_conversation(env)


@command("new", "start a new conversation with this agent")
async def _new(env: CommandEnv, arg: str) -> None:
    conv = await env.backend.create_conversation(env.state.agent.id)
    switch_conversation(env.state, conv)
    env.say(f"Started a new conversation ({conv.id}); memory is shared with the others.", "green")


def print_stats(env: CommandEnv) -> None:
    s = env.state.stats
    env.console.print(
        render.session_stats(
            seconds=s.seconds,
            turns=s.turns,
            prompt_tokens=s.prompt_tokens,
            completion_tokens=s.completion_tokens,
            tool_calls=s.tool_calls,
            denied=s.denied_calls,
        )
    )


@command("exit", "show session stats and exit")
async def _exit(env: CommandEnv, arg: str) -> None:
    env.state.exit_requested = True


@command("logout", "remove the credentials stored in the global settings, then exit")
async def _logout(env: CommandEnv, arg: str) -> None:
    import os

    from letta_code.cli.tui.credentials import logout
    from letta_code.config.settings import LEGACY_CREDENTIAL_KEYS

    for text, style in logout(os.environ):
        env.say(text, style)
    for key in ("env", *LEGACY_CREDENTIAL_KEYS):  # the session's copy too
        env.state.ctx.settings.global_.pop(key, None)
    env.state.exit_requested = True
