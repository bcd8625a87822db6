"""Which MCP servers are configured: `.mcp.json` (project scope) and `mcpServers` (user scope).

Both hold Claude Code's shape: `{"mcpServers": {"NAME": {"command": ..., "args": [...],
"env": {...}}}}` for a local server (stdio), `{"type": "http" | "sse", "url": ...,
"headers": {...}}` for a remote one. `.mcp.json` sits at the project root (the working
directory) and is meant to be committed; the user's servers are the `mcpServers` key of
`~/.letta/settings.json`. A project server of the same name as a user one wins.

Values may name environment variables as `${VAR}` or `${VAR:-default}` (command, args,
env, url, headers); they are expanded when the server starts, so `letta mcp get` shows
what the file says and a missing variable fails that one server, not the session.
A malformed entry is one problem line and that server is left out; nothing here stops
a session. This module does not import the MCP SDK.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from letta_code.config import paths
from letta_code.config.settings import SettingsError, read_json_file

Scope = Literal["user", "project"]
Transport = Literal["stdio", "http", "sse"]
TRANSPORTS: tuple[Transport, ...] = ("stdio", "http", "sse")
MCP_JSON = ".mcp.json"
SERVERS_KEY = "mcpServers"

# What a tool name may hold (the model APIs' rule); anything else in a server's name becomes "_".
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class McpConfigError(SettingsError):
    """An MCP server entry that cannot be used, or a variable it names that is not set."""


@dataclass(frozen=True)
class McpServerConfig:
    """One configured MCP server, as its file writes it (variables not expanded)."""

    name: str
    scope: Scope
    source: Path  # the file it came from
    transport: Transport
    command: str = ""  # stdio
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    url: str = ""  # http, sse
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def tool_prefix(self) -> str:
        """What its tools' names start with: `mcp__<server>__`."""
        return f"mcp__{normalize_name(self.name)}__"

    def qualified(self, name: str) -> str:
        """The name the model (or the user, for a prompt) calls one of its tools or prompts by."""
        return self.tool_prefix + normalize_name(name)

    def target(self) -> str:
        """What it runs or reaches, in one line: the command line, or the URL."""
        if self.transport == "stdio":
            return " ".join([self.command, *self.args])
        return self.url

    def expanded(self, environ: Mapping[str, str]) -> McpServerConfig:
        """The same server with every `${VAR}` replaced; McpConfigError naming a missing one."""

        def one(text: str) -> str:
            return expand_variables(text, environ, f"MCP server {self.name!r} ({self.source})")

        return replace(
            self,
            command=one(self.command),
            args=tuple(one(a) for a in self.args),
            env={k: one(v) for k, v in self.env.items()},
            url=one(self.url),
            headers={k: one(v) for k, v in self.headers.items()},
        )

    def to_json(self) -> dict[str, Any]:
        """The entry as Claude Code's files write it."""
        if self.transport == "stdio":
            entry: dict[str, Any] = {"command": self.command, "args": list(self.args)}
            if self.env:
                entry["env"] = dict(self.env)
            return entry
        entry = {"type": self.transport, "url": self.url}
        if self.headers:
            entry["headers"] = dict(self.headers)
        return entry


@dataclass
class McpConfig:
    """The servers of both scopes (a project server shadows a user one of the same name),
    and one line per entry that was left out."""

    servers: list[McpServerConfig] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def normalize_name(name: str) -> str:
    """A server's or a tool's name as it appears in a tool name: letters, digits, `_` and `-`."""
    return _NAME_CHARS.sub("_", name)


def expand_variables(text: str, environ: Mapping[str, str], where: str) -> str:
    def value(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise McpConfigError(f"{where}: the environment variable {name} is not set (named as ${{{name}}})")

    return _VARIABLE.sub(value, text)


def project_config_path(cwd: Path) -> Path:
    return cwd / MCP_JSON


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise McpConfigError(f"'{what}' must be a list of strings")
    return tuple(value)


def _string_map(value: object, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise McpConfigError(f"'{what}' must be an object of strings")
    return {str(k): v for k, v in value.items()}


def parse_server(name: str, raw: object, *, scope: Scope, source: Path) -> McpServerConfig:
    """One `mcpServers` entry; McpConfigError saying what is wrong with it (without the file)."""
    if not name.strip():
        raise McpConfigError("a server needs a name")
    if not isinstance(raw, dict):
        raise McpConfigError(f"must be an object, not {type(raw).__name__}")
    kind = raw.get("type", "stdio" if "command" in raw or "url" not in raw else "http")
    if kind == "streamable-http":
        kind = "http"
    if kind not in TRANSPORTS:
        raise McpConfigError(f"unknown type {kind!r}; use one of {', '.join(TRANSPORTS)}")
    if kind == "stdio":
        command = raw.get("command")
        if not isinstance(command, str) or not command.strip():
            raise McpConfigError("'command' must be a non-empty string")
        return McpServerConfig(
            name,
            scope,
            source,
            "stdio",
            command=command,
            args=_strings(raw.get("args", []), "args"),
            env=_string_map(raw.get("env", {}), "env"),
        )
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://", "${")):
        raise McpConfigError(f"a {kind} server needs a 'url' starting with http:// or https://")
    transport: Transport = "http" if kind == "http" else "sse"
    return McpServerConfig(
        name, scope, source, transport, url=url, headers=_string_map(raw.get("headers", {}), "headers")
    )


def parse_servers(data: Mapping[str, Any], *, scope: Scope, source: Path) -> McpConfig:
    """The `mcpServers` of one file's contents; each bad entry is a problem line naming the file."""
    found = McpConfig()
    servers = data.get(SERVERS_KEY)
    if servers is None:
        return found
    if not isinstance(servers, dict):
        found.problems.append(f"{source}: '{SERVERS_KEY}' must be an object; its MCP servers are ignored")
        return found
    for name, raw in servers.items():
        try:
            found.servers.append(parse_server(str(name), raw, scope=scope, source=source))
        except McpConfigError as exc:
            found.problems.append(f"{source}: MCP server {name!r} is ignored: {exc}")
    return found


def read_project_file(cwd: Path) -> dict[str, Any]:
    """The contents of `.mcp.json` ({} when there is none); SettingsError for a broken file."""
    return read_json_file(project_config_path(cwd))


def load_servers(cwd: Path, global_settings: Mapping[str, Any]) -> McpConfig:
    """Every configured server of both scopes; a file that cannot be read is a problem line."""
    user = parse_servers(global_settings, scope="user", source=paths.global_settings_path())
    try:
        project_data = read_project_file(cwd)
    except SettingsError as exc:
        user.problems.append(f"{exc}; its MCP servers are ignored")
        return user
    project = parse_servers(project_data, scope="project", source=project_config_path(cwd))
    names = {s.name for s in project.servers}
    return McpConfig(
        [s for s in user.servers if s.name not in names] + project.servers, user.problems + project.problems
    )


def any_configured(cwd: Path, global_settings: Mapping[str, Any]) -> bool:
    """Is there anything to read at all (cheap: no parsing of `.mcp.json`)?"""
    return bool(global_settings.get(SERVERS_KEY)) or project_config_path(cwd).is_file()
