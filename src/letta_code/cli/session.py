"""Bootstrap a session from the parsed flags: settings, backend, agent, tools, permissions.

Headless mode (`cli/headless.py`) and the terminal UI (`cli/tui/`) both start here;
`cli/dispatch.py` chooses between them and imports this module, never the other way round.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from letta_code.cli import conversation_lock
from letta_code.cli.agent_flags import imported_agent, system_prompt
from letta_code.cli.args import CliOptions, CliUsageError
from letta_code.cli.mcp_setup import mcp_client_tools, mcp_external_tools, mcp_prompt_commands, start_mcp
from letta_code.cli.model_window import settle_window
from letta_code.cli.rule_check import check_rules
from letta_code.cli.sandbox_setup import open_session_sandbox
from letta_code.cli.subagent_setup import session_types
from letta_code.cli.tool_setup import asks_for, requested_tools, tools_added_since
from letta_code.client.backend import Backend
from letta_code.client.models import resolve_handle
from letta_code.config import paths
from letta_code.config.settings import Settings
from letta_code.errors import UserError
from letta_code.harness.agent_setup import SessionTarget, resolve_session
from letta_code.harness.executor import ExternalTool, SpecialTool, client_tool_schema
from letta_code.harness.instructions import ProjectInstructions, start_instructions
from letta_code.harness.prompt_commands import PromptCommand, command_dirs
from letta_code.harness.questions import ASK_TOOL, ASK_TOOL_SCHEMA, QuestionTool
from letta_code.harness.skills import SKILL_TOOL, SKILL_TOOL_SCHEMA, start_skills
from letta_code.harness.subagents import TASK_TOOL, Subagents
from letta_code.harness.team_memory import TeamMemory
from letta_code.permissions import (
    PermissionChecker,
    PermissionMode,
    RuleError,
    parse_mode,
    split_rule_list,
)
from letta_code.schemas.chunks import ClientToolSchema
from letta_code.schemas.state import AgentState
from letta_code.tools.base import ToolSession
from letta_code.tools.registry import ALL_TOOL_NAMES, select_tools

if TYPE_CHECKING:  # the hooks modules are imported only when a settings file has hooks, MCP's with a server
    from letta_code.cli.mcp_setup import AskServer
    from letta_code.harness.hook_config import HookConfig
    from letta_code.harness.hooks import HookRunner
    from letta_code.tools.mcp.manager import McpServers


@dataclass
class SessionContext:
    args: CliOptions
    settings: Settings
    backend: Backend
    target: SessionTarget
    client_tools: list[ClientToolSchema]
    tool_names: list[str]
    checker: PermissionChecker
    tool_session: ToolSession
    mode: PermissionMode
    # The project block <-> .letta/project.md: synced at start; `await ctx.team_memory.after_turn()`
    # after each turn and reflection pass.
    team_memory: TeamMemory
    # The AGENTS.md / CLAUDE.md files in the `instructions` block: written at start;
    # ToolExecutor(on_file_touched=ctx.instructions.touched) loads a subfolder's file.
    instructions: ProjectInstructions
    # Harness-side tools for the executor (ToolExecutor(special_tools=...)): Skill, AskUserQuestion, Task.
    special_tools: dict[str, SpecialTool] = field(default_factory=dict)
    # Tools served by other processes (MCP servers), by the name the model calls them.
    external_tools: dict[str, ExternalTool] = field(default_factory=dict)
    # Slash commands that expand into a prompt (custom command files, MCP prompts).
    prompt_commands: list[PromptCommand] = field(default_factory=list)
    # The settings files' hooks (None when none is configured): the executor, the turn runner
    # and the session events fire them.
    hooks: HookRunner | None = None
    # The MCP servers of the session (None when none is configured): /mcp shows them.
    mcp: McpServers | None = None
    # AskUserQuestion (in special_tools when offered): no `asker` (headless) until the TUI sets its picker.
    questions: QuestionTool = field(default_factory=QuestionTool)
    # The Task tool's subagents (in special_tools when offered): the TUI shows the running ones,
    # headless mode waits for background ones with --wait-background.
    subagents: Subagents | None = None


# What the shell reports for a process that SIGPIPE ended (128 + 13), as `yes | head -1` shows.
EXIT_OUTPUT_CLOSED = 141


def silence_stdout() -> None:
    """Point stdout at the null device, so nothing written later (nor the flush at
    interpreter exit) fails on the closed pipe: the usual Python recipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class StartupError(UserError):
    """Anything that stops a session from starting; one line for stderr."""


def make_backend(env: dict[str, str]) -> Backend:
    base_url = env.get("LETTA_BASE_URL")
    if base_url:
        from letta_code.client.http import HttpBackend

        return HttpBackend(base_url, env.get("LETTA_API_KEY"))
    from letta_code.client.embedded import EmbeddedBackend

    return EmbeddedBackend(paths.database_path(), env)


def _permission_mode(args: CliOptions, settings: Settings) -> PermissionMode:
    if args.yolo:
        if args.permission_mode and parse_mode_or_none(args.permission_mode) != PermissionMode.BYPASS_PERMISSIONS:
            raise CliUsageError(f"--yolo contradicts --permission-mode {args.permission_mode}: use one of them")
        return PermissionMode.BYPASS_PERMISSIONS
    text = args.permission_mode or (settings.global_.get("permissions") or {}).get("defaultMode")
    if not text:
        return PermissionMode.DEFAULT
    try:
        return parse_mode(str(text))
    except ValueError as exc:
        raise CliUsageError(f"--permission-mode: {exc}") from exc


def _refuse_contradictions(args: CliOptions) -> None:
    """Flags that ask for opposite things: refused, rather than one of them silently winning."""
    if args.continue_last and args.new:
        raise CliUsageError("--continue contradicts --new: resume the last conversation, or start a new one")
    if args.name and (args.agent or args.new_agent):
        raise CliUsageError(f"--name {args.name} contradicts --agent/--new-agent: name the agent one way")
    if args.agent and args.new_agent:
        raise CliUsageError(f"--agent {args.agent} contradicts --new-agent: use that agent, or create a new one")
    if args.new and args.new_agent:
        raise CliUsageError(
            "--new contradicts --new-agent: a new agent starts a new conversation; use only --new-agent"
        )
    if args.continue_last and args.new_agent:
        raise CliUsageError("--continue contradicts --new-agent: resume the last conversation, or create a new agent")


def parse_mode_or_none(text: str) -> PermissionMode | None:
    try:
        return parse_mode(text)
    except ValueError:
        return None


async def open_session(
    args: CliOptions, env: dict[str, str], *, exclusive: bool = False, ask_mcp: AskServer | None = None
) -> SessionContext:
    """Everything a session needs, from the flags, the settings and the environment.

    `exclusive` (`letta -p`): the session takes its conversation for itself for as long
    as the process runs, and when another live process has the default conversation, it
    works in a new conversation of the same agent (`target.busy_conversation` says so).
    `ask_mcp` (the TUI): asks about each project MCP server nobody approved yet.
    """
    _refuse_contradictions(args)
    cwd = Path.cwd()
    settings = Settings.load(cwd)
    for line in settings.unknown_keys():
        warn(line)
    mode = _permission_mode(args, settings)
    rules = settings.permission_rules()  # the files' shapes first (one line naming the key)
    check_rules(args, settings)  # then each rule, before anything is created
    hook_config = _hook_config(settings)  # and the hooks' shapes
    try:
        flag_allow = [r for value in args.allowed_tools for r in split_rule_list(value)]
        flag_deny = [r for value in args.disallowed_tools for r in split_rule_list(value)]
        checker = PermissionChecker(
            mode,
            allow=rules.allow + flag_allow,
            deny=rules.deny + flag_deny,
            ask=rules.ask,
            cwd=cwd,
        )
    except RuleError as exc:
        raise StartupError(f"bad permission rule: {exc}") from exc
    requested = requested_tools(args, warn)
    model = resolve_handle(args.model) if args.model else None
    backend = make_backend(env)
    if args.model:
        # Before the agent is switched to it: one clear line if its provider is not configured,
        # and a model its provider does not serve is never saved (over HTTP the server decides).
        backend.models.check_model(args.model)
    with conversation_lock.setup_lock(paths.letta_home()) if exclusive else contextlib.nullcontext():
        if exclusive:  # read again: a session that started with this one may have just made the agent
            settings = Settings.load(cwd)
        target = await resolve_session(
            backend,
            settings,
            agent_id=await imported_agent(args, backend) or args.agent,
            new_agent=args.new_agent,
            new_conversation=args.new,
            continue_last=args.continue_last,
            model=model,
            default_model=lambda: _default_model(settings, backend),
            tools=list(ALL_TOOL_NAMES),
            claim=(lambda conv_id: conversation_lock.claim(paths.letta_home(), conv_id)) if exclusive else None,
            conversation_id=args.conversation,
            agent_name=args.name,
        )
    agent = target.agent
    system = system_prompt(args)
    if system is not None and system != agent.system:
        agent = target.agent = await backend.update_agent(agent.id, system=system)
    if args.link or args.unlink:
        linked = [t for t in agent.tools if t not in ALL_TOOL_NAMES]
        if args.link:
            linked += list(ALL_TOOL_NAMES)
        agent = await backend.update_agent(agent.id, tools=linked)
        target.agent = agent
    elif added := tools_added_since(agent):
        agent = target.agent = await backend.update_agent(agent.id, tools=[*agent.tools, *added])
    backend.models.check_provider(agent.model)  # fails early, with one clear line, if not configured
    agent = target.agent = await settle_window(
        backend,
        settings,
        agent,
        flag=args.context_window,
        model_changed=target.model_switched_from is not None,
    )
    team_memory = TeamMemory(backend, settings, target, warn)
    await team_memory.sync()  # before the first request: a teammate's edits reach this agent's prompt
    skills = await start_skills(
        backend,
        agent.id,
        cwd=cwd,
        home=paths.letta_home(),
        extra_dir=_skills_dir(args),
        warn=warn,
        none=args.no_skills,
    )
    instructions = await start_instructions(backend, lambda: target.agent.id, cwd=cwd, home=paths.letta_home())
    bypass = mode == PermissionMode.BYPASS_PERMISSIONS
    mcp = await start_mcp(settings, env, bypass=bypass, ask=ask_mcp, warn=warn)  # None: no server configured
    hooks = _hook_runner(hook_config, cwd, target, checker) if hook_config else None
    external_tools = mcp_external_tools(mcp)
    tool_session = ToolSession(
        cwd=cwd,
        hidden=lambda path: checker.denied_by("Read", path) is not None,
        # The sandbox (and its walk of the project) only for sessions that offer Bash.
        sandbox=open_session_sandbox(settings, mode, checker, env, warn)
        if "Bash" in requested and "Bash" in agent.tools
        else None,
    )
    special_tools: dict[str, SpecialTool] = {}
    if skills.offered and asks_for(args, SKILL_TOOL):
        special_tools[SKILL_TOOL] = skills.run_tool
    questions = QuestionTool()  # no asker (nobody answers, headless) until the TUI sets its picker
    if asks_for(args, ASK_TOOL):
        special_tools[ASK_TOOL] = questions.run_tool
    subagents = None
    if asks_for(args, TASK_TOOL):
        subagents = special_tools[TASK_TOOL] = Subagents(
            backend,
            parent=lambda: target.agent,
            conversation=lambda: target.conversation,
            types=session_types(settings, cwd, warn),
            client_tools=lambda: ctx.client_tools,  # the session's tools, as /link and /unlink leave them
            checker=checker,
            tool_session=tool_session,
            external_tools=external_tools,
            hooks=hooks,
            max_steps=args.max_steps,
        )
    tool_names, client_tools = offered_tools(requested, agent, special_tools, mcp)
    ctx = SessionContext(
        args=args,
        settings=settings,
        backend=backend,
        target=target,
        client_tools=client_tools,
        tool_names=tool_names,
        checker=checker,
        tool_session=tool_session,
        mode=mode,
        team_memory=team_memory,
        instructions=instructions,
        special_tools=special_tools,
        external_tools=external_tools,
        hooks=hooks,
        mcp=mcp,
        questions=questions,
        subagents=subagents,
    )
    ctx.prompt_commands.extend(_file_commands(ctx))  # custom command files; MCP prompts join them
    ctx.prompt_commands.extend(mcp_prompt_commands(mcp))
    return ctx


def offered_tools(
    requested: list[str],
    agent: AgentState,
    special_tools: Mapping[str, SpecialTool],
    mcp: McpServers | None = None,
) -> tuple[list[str], list[ClientToolSchema]]:
    """The tools a session offers the model, by name and as schemas: the requested registry
    tools the agent has (`/link` and `/unlink` change which), then the Skill, AskUserQuestion
    and Task tools when the session runs them, then the MCP servers' tools. Start-up and the TUI's
    `/link` and `/unlink` both ask here."""
    names = [name for name in requested if name in agent.tools]
    schemas = [client_tool_schema(t) for t in select_tools(names)] if names else []
    if SKILL_TOOL in special_tools:
        names.append(SKILL_TOOL)
        schemas.append(SKILL_TOOL_SCHEMA)
    if ASK_TOOL in special_tools:
        names.append(ASK_TOOL)
        schemas.append(ASK_TOOL_SCHEMA)
    task = special_tools.get(TASK_TOOL)
    if isinstance(task, Subagents):
        names.append(TASK_TOOL)
        schemas.append(task.schema())
    mcp_schemas = mcp_client_tools(mcp)
    return names + [t["name"] for t in mcp_schemas], schemas + mcp_schemas


async def close_session(ctx: SessionContext) -> None:
    """The end of a session: stop its MCP servers, then close the backend."""
    if ctx.mcp is not None:
        await ctx.mcp.close()
    await ctx.backend.close()


def _skills_dir(args: CliOptions) -> Path | None:
    raw = args.skills
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise CliUsageError(f"--skills: {raw} is not a directory")
    return path


def _hook_config(settings: Settings) -> HookConfig | None:
    """The `hooks` of the three settings files (None when no file has the key); a bad shape
    is a SettingsError, an unknown event a warning."""
    files = settings.files()
    if not any("hooks" in data for _, data in files):
        return None
    from letta_code.harness.hook_config import parse_hooks

    config = parse_hooks(files)
    for line in config.warnings:
        warn(line)
    return config


def _hook_runner(config: HookConfig, cwd: Path, target: SessionTarget, checker: PermissionChecker) -> HookRunner:
    from letta_code.harness.hooks import HookRunner, HookSession

    def who() -> HookSession:  # asked at each event: /new, /resume and Shift+Tab change it
        return HookSession(target.agent.id, target.conversation.id, checker.mode.value)

    return HookRunner(config, cwd, who)


def _file_commands(ctx: SessionContext) -> list[PromptCommand]:
    """The custom slash commands of the command folders (`.letta/commands/`, ...); their
    module is imported only when one of the folders exists."""
    dirs = command_dirs(ctx.tool_session.cwd, paths.letta_home(), Path.home())
    if not dirs:
        return []
    from letta_code.harness.command_files import load_prompt_commands

    commands, warnings = load_prompt_commands(dirs, ctx.checker, ctx.tool_session)
    for line in warnings:
        warn(line)
    return commands


def warn(line: str) -> None:
    print(f"letta: warning: {line}", file=sys.stderr)


def _default_model(settings: Settings, backend: Backend) -> str:
    configured = settings.global_.get("model")
    return backend.models.default_model(str(configured) if configured else None)
