"""A session's MCP servers: start them together, offer their tools, report, close.

Each tool is offered as `mcp__<server>__<tool>` (names cut to letters, digits, `_`
and `-`) with the server's JSON schema, and runs by a call to its server (`McpTool`,
the harness's `ExternalTool`). A server that was not started (not approved, disabled,
a bad entry) is listed as `skipped` or `failed` with its reason, so `/mcp` and the
stream-json `init` event show every configured server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from letta_code.errors import UserError
from letta_code.tools.base import ToolResult
from letta_code.tools.mcp.config import McpConfigError, McpServerConfig, Scope, Transport, normalize_name

if TYPE_CHECKING:  # the SDK is imported only when a server is started
    from letta_code.tools.mcp.connection import McpConnection, McpPromptInfo

ServerState = Literal["pending", "connected", "failed", "skipped"]
DEFAULT_STARTUP_TIMEOUT = 30.0


class McpPromptError(UserError):
    """An MCP prompt's slash command used without an argument the prompt requires."""


@dataclass(frozen=True)
class ServerStatus:
    """One configured server as `/mcp` and the init event show it."""

    name: str
    scope: Scope
    transport: Transport
    target: str  # the command line or the URL
    status: ServerState
    error: str | None  # why it failed or was skipped
    tools: tuple[str, ...]  # the names the model calls
    prompts: tuple[str, ...]  # the slash commands, without the slash


@dataclass
class McpTool:
    """One server tool, as the executor runs it (`ExternalTool`)."""

    name: str  # mcp__server__tool
    tool: str  # the server's own name for it
    description: str
    parameters: dict[str, Any]
    read_only: bool
    connection: McpConnection

    async def call(self, args: dict[str, Any]) -> ToolResult:
        from letta_code.tools.mcp.connection import McpServerError

        try:
            return await self.connection.call_tool(self.tool, args)
        except McpServerError as exc:
            return ToolResult(f"Error: {exc}", "error")


@dataclass(frozen=True)
class McpPrompt:
    """One server prompt, offered as the slash command `/mcp__server__prompt`."""

    name: str
    info: McpPromptInfo
    connection: McpConnection


@dataclass
class _Entry:
    config: McpServerConfig
    connection: McpConnection | None = None
    state: ServerState = "pending"
    reason: str | None = None


@dataclass
class McpServers:
    """The servers of one session, started or not."""

    cwd: Path
    environ: Mapping[str, str]
    log_dir: Path | None = None
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    call_timeout: float | None = None
    entries: list[_Entry] = field(default_factory=list)

    def skip(self, config: McpServerConfig, reason: str) -> None:
        self.entries.append(_Entry(config, state="skipped", reason=reason))

    async def start(self, configs: list[McpServerConfig]) -> None:
        """Start every server at once; each one's failure is its own status."""
        started: list[_Entry] = []
        for config in configs:
            try:
                expanded = config.expanded(self.environ)
            except McpConfigError as exc:
                self.entries.append(_Entry(config, state="failed", reason=str(exc)))
                continue
            from letta_code.tools.mcp.connection import McpConnection

            log = self.log_dir / f"{normalize_name(config.name)}.log" if self.log_dir else None
            connection = McpConnection(
                expanded,
                self.cwd,
                self.environ,
                log_path=log,
                startup_timeout=self.startup_timeout,
                call_timeout=self.call_timeout,
            )
            entry = _Entry(config, connection)
            self.entries.append(entry)
            started.append(entry)
        await asyncio.gather(*(e.connection.start() for e in started if e.connection is not None))

    def statuses(self) -> list[ServerStatus]:
        return [self._status(entry) for entry in self.entries]

    def _status(self, entry: _Entry) -> ServerStatus:
        config, connection = entry.config, entry.connection
        state: ServerState = entry.state
        reason = entry.reason
        if connection is not None:
            state, reason = connection.check(), connection.error
        tools = tuple(config.qualified(t.name) for t in connection.tools) if connection else ()
        prompts = tuple(config.qualified(p.name) for p in connection.prompts) if connection else ()
        return ServerStatus(config.name, config.scope, config.transport, config.target(), state, reason, tools, prompts)

    def _connected(self) -> Iterator[tuple[McpServerConfig, McpConnection]]:
        for entry in self.entries:
            if entry.connection is not None and entry.connection.status == "connected":
                yield entry.config, entry.connection

    def tools(self) -> list[McpTool]:
        """The tools of the connected servers (a name two servers would share: the first one's)."""
        found: dict[str, McpTool] = {}
        for config, connection in self._connected():
            for info in connection.tools:
                name = config.qualified(info.name)
                found.setdefault(
                    name, McpTool(name, info.name, info.description, info.input_schema, info.read_only, connection)
                )
        return list(found.values())

    def prompts(self) -> list[McpPrompt]:
        """The prompts of the connected servers, as slash commands (the first of a name wins)."""
        found: dict[str, McpPrompt] = {}
        for config, connection in self._connected():
            for info in connection.prompts:
                name = config.qualified(info.name)
                found.setdefault(name, McpPrompt(name, info, connection))
        return list(found.values())

    async def close(self) -> None:
        await asyncio.gather(*(e.connection.close() for e in self.entries if e.connection is not None))


def prompt_arguments(info: McpPromptInfo, text: str) -> dict[str, str]:
    """The words after `/mcp__server__prompt`, given to the prompt's arguments in order (the
    last one takes the rest); McpPromptError naming a required argument that is missing."""
    import shlex

    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    names = [a.name for a in info.arguments]
    values: dict[str, str] = {}
    for i, name in enumerate(names):
        if i >= len(words):
            break
        values[name] = " ".join(words[i:]) if i == len(names) - 1 else words[i]
    missing = [a.name for a in info.arguments if a.required and a.name not in values]
    if missing:
        raise McpPromptError(f"missing argument {missing[0]!r} (usage: {argument_hint(info)})")
    return values


def argument_hint(info: McpPromptInfo) -> str:
    return " ".join(f"<{a.name}>" if a.required else f"[{a.name}]" for a in info.arguments)
