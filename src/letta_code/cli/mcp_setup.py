"""Which MCP servers a session starts, and what the session makes of them.

User servers (`mcpServers` of `~/.letta/settings.json`) start without a question. A
project server (`.mcp.json`, committed by anyone) starts only when it was approved: it
is named in `enabledMcpjsonServers` of a settings file, or `enableAllProjectMcpServers`
is true, or permissions are bypassed (`--yolo`). One named in `disabledMcpjsonServers`
never starts. The TUI asks about each other project server once and saves the answer in
`.letta/settings.local.json`; headless mode skips it with one note on stderr.

Start failures are one warning line each, never a stopped session. The started servers
give the session its client tools (`mcp__<server>__<tool>`), its external tools for the
executor, and a prompt command per MCP prompt (`/mcp__<server>__<prompt>`). Nothing
here imports the MCP SDK unless a server is configured.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict, cast

from letta_code.config import paths
from letta_code.config.settings import Settings
from letta_code.harness.executor import ExternalTool
from letta_code.harness.prompt_commands import PromptCommand
from letta_code.schemas.chunks import ClientToolSchema
from letta_code.tools.mcp.config import McpServerConfig, any_configured, load_servers

if TYPE_CHECKING:  # the manager's module is imported only when a server is configured
    from letta_code.tools.mcp.manager import McpPrompt, McpServers

ENABLED_KEY = "enabledMcpjsonServers"
DISABLED_KEY = "disabledMcpjsonServers"
ENABLE_ALL_KEY = "enableAllProjectMcpServers"

# The TUI's question about a project server: True (use it, saved), False (never, saved),
# None (not this time: nothing saved).
AskServer = Callable[[McpServerConfig], Awaitable[bool | None]]
Warn = Callable[[str], None]


class McpServerEvent(TypedDict):
    """A server in the stream-json `init` event."""

    name: str
    status: Literal["pending", "connected", "failed", "skipped"]
    error: NotRequired[str]


@dataclass(frozen=True)
class ProjectApproval:
    """What the settings files say about the servers of `.mcp.json`."""

    enabled: frozenset[str]
    disabled: frozenset[str]
    enable_all: bool

    def decision(self, name: str) -> bool | None:
        """True: start it; False: never; None: nobody said."""
        if name in self.disabled:
            return False
        if self.enable_all or name in self.enabled:
            return True
        return None


def project_approval(settings: Settings, warn: Warn) -> ProjectApproval:
    enabled: set[str] = set()
    disabled: set[str] = set()
    enable_all = False
    for path, data in settings.files():
        for key, names in ((ENABLED_KEY, enabled), (DISABLED_KEY, disabled)):
            value = data.get(key)
            if value is None:
                continue
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                names.update(value)
            else:
                warn(f"{path}: '{key}' must be a list of server names; it is ignored")
        flag = data.get(ENABLE_ALL_KEY)
        if isinstance(flag, bool):
            enable_all = enable_all or flag
        elif flag is not None:
            warn(f"{path}: '{ENABLE_ALL_KEY}' must be true or false; it is ignored")
    return ProjectApproval(frozenset(enabled), frozenset(disabled), enable_all)


def remember_answer(settings: Settings, name: str, use: bool) -> None:
    """Save the user's answer about a project server in `.letta/settings.local.json`."""
    keep, drop = (ENABLED_KEY, DISABLED_KEY) if use else (DISABLED_KEY, ENABLED_KEY)
    local = settings.local
    kept = [n for n in local.get(keep) or [] if isinstance(n, str) and n != name] + [name]
    dropped = [n for n in local.get(drop) or [] if isinstance(n, str) and n != name]
    settings.save_local(**{keep: kept, drop: dropped})


def _milliseconds(environ: Mapping[str, str], name: str, warn: Warn) -> float | None:
    raw = environ.get(name)
    if not raw:
        return None
    try:
        value = float(raw) / 1000
    except ValueError:
        value = 0
    if value <= 0:
        warn(f"{name}={raw!r} is not a positive number of milliseconds; it is ignored")
        return None
    return value


async def start_mcp(
    settings: Settings, environ: Mapping[str, str], *, bypass: bool, ask: AskServer | None, warn: Warn
) -> McpServers | None:
    """Start the servers this session may use; None when no server is configured at all."""
    cwd = settings.cwd
    if not any_configured(cwd, settings.global_):
        return None
    config = load_servers(cwd, settings.global_)
    for line in config.problems:
        warn(line)
    if not config.servers:
        return None
    from letta_code.tools.mcp.manager import DEFAULT_STARTUP_TIMEOUT, McpServers

    servers = McpServers(
        cwd,
        environ,
        log_dir=paths.letta_home() / "mcp-logs",
        startup_timeout=_milliseconds(environ, "MCP_TIMEOUT", warn) or DEFAULT_STARTUP_TIMEOUT,
        call_timeout=_milliseconds(environ, "MCP_TOOL_TIMEOUT", warn),
    )
    approval = project_approval(settings, warn)
    to_start: list[McpServerConfig] = []
    unapproved: list[str] = []
    for server in config.servers:
        decision = True if server.scope == "user" else approval.decision(server.name)
        if decision is None and bypass:
            decision = True
        if decision is None and ask is not None:
            decision = await ask(server)
            if decision is not None:
                remember_answer(settings, server.name, decision)
        if decision:
            to_start.append(server)
        elif decision is False:
            servers.skip(server, f"disabled ({DISABLED_KEY})")
        else:
            servers.skip(server, "not approved")
            unapproved.append(server.name)
    if unapproved and ask is None:
        names = ", ".join(unapproved)
        warn(
            f"the MCP servers of .mcp.json that were not approved are not started: {names}; approve them "
            f"in letta (the terminal UI asks), list them in '{ENABLED_KEY}' of .letta/settings.local.json, "
            "or run with --yolo"
        )
    await servers.start(to_start)
    for status in servers.statuses():
        if status.status == "failed":
            warn(f"MCP server {status.name!r} failed to start: {status.error}")
    return servers


def mcp_client_tools(servers: McpServers | None) -> list[ClientToolSchema]:
    """The connected servers' tools, as the model is offered them."""
    if servers is None:
        return []
    return [
        cast("ClientToolSchema", {"name": t.name, "description": t.description, "parameters": t.parameters})
        for t in servers.tools()
    ]


def mcp_external_tools(servers: McpServers | None) -> dict[str, ExternalTool]:
    """The connected servers' tools, as the executor runs them."""
    return {t.name: t for t in servers.tools()} if servers is not None else {}


def mcp_prompt_commands(servers: McpServers | None) -> list[PromptCommand]:
    """A slash command per MCP prompt: `/mcp__server__prompt words...`."""
    if servers is None:
        return []
    from letta_code.tools.mcp.manager import argument_hint

    return [
        PromptCommand(
            name=prompt.name,
            description=prompt.info.description or f"the {prompt.info.name} prompt of {prompt.connection.name}",
            argument_hint=argument_hint(prompt.info),
            origin=f"MCP server {prompt.connection.name}",
            expand=_expander(prompt),
        )
        for prompt in servers.prompts()
    ]


def _expander(prompt: McpPrompt) -> Callable[[str], Awaitable[str]]:
    async def expand(text: str) -> str:
        from letta_code.tools.mcp.manager import prompt_arguments

        return await prompt.connection.get_prompt(prompt.info.name, prompt_arguments(prompt.info, text))

    return expand


def init_event_servers(servers: McpServers | None) -> list[McpServerEvent]:
    """`mcp_servers` of the stream-json `init` event: every configured server and its status."""
    if servers is None:
        return []
    events: list[McpServerEvent] = []
    for status in servers.statuses():
        event: McpServerEvent = {"name": status.name, "status": status.status}
        if status.error and status.status == "failed":
            event["error"] = status.error
        events.append(event)
    return events
