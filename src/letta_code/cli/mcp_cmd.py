"""`letta mcp add|list|get|remove`: manage the MCP servers of both scopes.

`add` writes the user scope (`mcpServers` of `~/.letta/settings.json`) unless
`--scope project` says `.mcp.json` of the working directory (committed, so teammates
get it; each of them approves it once). Entries are Claude Code's shape. Nothing here
connects to a server or imports the MCP SDK: `/mcp` in the terminal UI shows status.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

from letta_code.cli.failure import report
from letta_code.config import paths
from letta_code.config.settings import read_json_file, update_json_file
from letta_code.errors import UserError
from letta_code.tools.mcp.config import (
    SERVERS_KEY,
    TRANSPORTS,
    McpConfigError,
    McpServerConfig,
    Scope,
    load_servers,
    parse_server,
    project_config_path,
)

_NAME = re.compile(r"[A-Za-z0-9_-]+\Z")
_HEADER = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)\Z")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

USAGE = """\
letta mcp add [--scope user|project] [--env KEY=VALUE]... NAME -- COMMAND [ARGS...]
       letta mcp add --transport http|sse [--scope user|project] [--header 'Name: value']... NAME URL
       letta mcp list
       letta mcp get NAME
       letta mcp remove [--scope user|project] NAME"""


class McpCommandError(UserError):
    """A `letta mcp` request that cannot be done; one line for stderr."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise McpCommandError(f"{message} (see 'letta mcp --help')")


def build_parsers() -> dict[str, argparse.ArgumentParser]:
    """One parser per subcommand (options may come anywhere before `--`)."""
    add = _Parser(prog="letta mcp add", description="Add an MCP server (user scope unless --scope project).")
    add.add_argument("-s", "--scope", choices=("user", "project"), default="user")
    add.add_argument("-t", "--transport", choices=TRANSPORTS, default="stdio")
    add.add_argument("-e", "--env", action="append", default=[], metavar="KEY=VALUE", help="for a stdio server")
    add.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'", help="http, sse")
    add.add_argument("name")
    add.add_argument("target", nargs="?", metavar="URL", help="for http and sse; a command goes after --")
    add.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    get = _Parser(prog="letta mcp get", description="Show one MCP server.")
    get.add_argument("name")
    remove = _Parser(prog="letta mcp remove", description="Remove an MCP server.")
    remove.add_argument("-s", "--scope", choices=("user", "project"))
    remove.add_argument("name")
    return {
        "add": add,
        "list": _Parser(prog="letta mcp list", description="List the MCP servers."),
        "get": get,
        "remove": remove,
    }


def run_mcp_command(argv: list[str]) -> int:
    try:
        if not argv or argv[0] in ("-h", "--help"):
            print(f"usage: {USAGE}\n\nManage the MCP servers letta starts.", file=sys.stdout if argv else sys.stderr)
            return 0 if argv else 1
        parsers = build_parsers()
        parser = parsers.get(argv[0])
        if parser is None:
            raise McpCommandError(f"unknown command {argv[0]!r}: use one of {', '.join(parsers)}")
        head, tail = _split_command(argv[1:])
        args = parser.parse_intermixed_args(head)
        args.command = argv[0]
        if tail is not None:
            if args.command != "add":
                raise McpCommandError("'--' is for 'letta mcp add NAME -- COMMAND [ARGS...]'")
            if args.target is not None:
                tail = [args.target, *args.args, *tail]
            args.target, args.args = (tail[0], tail[1:]) if tail else (None, [])
        return _dispatch(args)
    except Exception as exc:  # a settings file that cannot be read or written: one line
        return report(exc, "letta mcp")


def _split_command(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """Everything after the first `--` is the server's command line, options and all."""
    if "--" not in argv:
        return argv, None
    at = argv.index("--")
    return argv[:at], argv[at + 1 :]


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "add":
        return _add(args)
    if args.command == "list":
        return _list()
    if args.command == "get":
        return _get(args.name)
    return _remove(args.name, args.scope)


def _file(scope: Scope) -> Path:
    return paths.global_settings_path() if scope == "user" else project_config_path(Path.cwd())


def _servers_in(scope: Scope) -> dict[str, Any]:
    servers = read_json_file(_file(scope)).get(SERVERS_KEY) or {}
    if not isinstance(servers, dict):
        raise McpCommandError(f"{_file(scope)}: '{SERVERS_KEY}' must be an object; fix it by hand first")
    return servers


def _entry(args: argparse.Namespace) -> dict[str, Any]:
    name, target, extra = args.name, args.target, list(args.args)
    if not _NAME.match(name):
        raise McpCommandError(f"bad server name {name!r}: use letters, digits, '_' and '-'")
    if not target:
        what = "URL" if args.transport != "stdio" else "command (after --)"
        raise McpCommandError(f"missing the server's {what}; usage: letta mcp add NAME -- COMMAND [ARGS...]")
    if args.transport == "stdio":
        if args.header:
            raise McpCommandError("--header is for http and sse servers; a stdio server takes --env")
        if target.startswith(("http://", "https://")):
            raise McpCommandError(f"{target} is a URL: add --transport http (or sse) for a remote server")
        entry: dict[str, Any] = {"command": target, "args": extra}
        env = dict(_pair(text) for text in args.env)
        if env:
            entry["env"] = env
        return entry
    if args.env:
        raise McpCommandError("--env is for stdio servers; a remote server takes --header")
    if extra:
        raise McpCommandError(f"an {args.transport} server takes one URL, not {' '.join([target, *extra])!r}")
    entry = {"type": args.transport, "url": target}
    headers = dict(_header(text) for text in args.header)
    if headers:
        entry["headers"] = headers
    return entry


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not _ENV_NAME.match(key):
        raise McpCommandError(f"bad --env {text!r}: expected KEY=VALUE")
    return key, value


def _header(text: str) -> tuple[str, str]:
    match = _HEADER.match(text.strip())
    if match is None:
        raise McpCommandError(f"bad --header {text!r}: expected 'Name: value'")
    return match.group(1), match.group(2)


def _add(args: argparse.Namespace) -> int:
    scope: Scope = args.scope
    entry = _entry(args)
    path = _file(scope)
    try:  # the same check a session makes when it reads the file
        parse_server(args.name, entry, scope=scope, source=path)
    except McpConfigError as exc:
        raise McpCommandError(f"bad server: {exc}") from exc
    servers = _servers_in(scope)
    if args.name in servers:
        raise McpCommandError(
            f"an MCP server {args.name!r} already exists in {path}; remove it first (letta mcp remove {args.name})"
        )
    update_json_file(path, {SERVERS_KEY: {**servers, args.name: entry}})
    print(f"Added the {entry.get('type', 'stdio')} MCP server {args.name!r} to {path} ({scope} scope).")
    if scope == "project":
        print("letta asks once before it starts a project server (headless: approve it first, or --yolo).")
    return 0


def _configured() -> list[McpServerConfig]:
    config = load_servers(Path.cwd(), read_json_file(paths.global_settings_path()))
    for line in config.problems:
        print(f"letta mcp: warning: {line}", file=sys.stderr)
    return config.servers


def _list() -> int:
    servers = _configured()
    if not servers:
        print("No MCP servers configured. Add one with: letta mcp add NAME -- COMMAND [ARGS...]")
        return 0
    width = max(len(s.name) for s in servers)
    for server in servers:
        print(f"{server.name.ljust(width)}  {server.scope:<7}  {server.transport:<5}  {server.target()}")
    return 0


def _get(name: str) -> int:
    found = [s for s in _configured() if s.name == name]
    if not found:
        raise McpCommandError(f"no MCP server named {name!r} (letta mcp list shows them)")
    server = found[0]
    lines = [name, f"  scope: {server.scope} ({server.source})", f"  type: {server.transport}"]
    if server.transport == "stdio":
        lines += [f"  command: {server.command}", f"  args: {' '.join(server.args)}"]
        lines += [f"  env: {key}={value}" for key, value in server.env.items()]
    else:
        lines.append(f"  url: {server.url}")
        lines += [f"  header: {key}: {value}" for key, value in server.headers.items()]
    lines.append(f"  tools are named: {server.tool_prefix}<tool>")
    print("\n".join(lines))
    return 0


def _remove(name: str, scope: Scope | None) -> int:
    scopes: list[Scope] = [scope] if scope else [s for s in ("user", "project") if name in _servers_in(s)]
    if not scopes or name not in _servers_in(scopes[0]):
        where = f" in the {scope} scope" if scope else ""
        raise McpCommandError(f"no MCP server named {name!r}{where} (letta mcp list shows them)")
    if len(scopes) > 1:
        raise McpCommandError(f"{name!r} is in both scopes: say which with --scope user or --scope project")
    path = _file(scopes[0])
    servers = _servers_in(scopes[0])
    del servers[name]
    update_json_file(path, {SERVERS_KEY: servers})
    print(f"Removed the MCP server {name!r} from {path} ({scopes[0]} scope).")
    return 0
