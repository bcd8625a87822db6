"""Reading MCP servers from `.mcp.json` and `mcpServers`: Claude Code's shapes, bad entries, variables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from letta_code.tools.mcp.config import (
    McpConfigError,
    any_configured,
    expand_variables,
    load_servers,
    normalize_name,
    parse_server,
)

SOURCE = Path("/proj/.mcp.json")


def test_a_command_entry_is_a_stdio_server() -> None:
    server = parse_server(
        "github", {"command": "npx", "args": ["-y", "srv"], "env": {"TOKEN": "x"}}, scope="project", source=SOURCE
    )
    assert (server.transport, server.command, server.args, dict(server.env)) == (
        "stdio",
        "npx",
        ("-y", "srv"),
        {"TOKEN": "x"},
    )
    assert server.tool_prefix == "mcp__github__"
    assert server.target() == "npx -y srv"
    assert server.to_json() == {"command": "npx", "args": ["-y", "srv"], "env": {"TOKEN": "x"}}


@pytest.mark.parametrize(
    ("entry", "transport"),
    [
        ({"type": "http", "url": "https://e.com/mcp", "headers": {"Authorization": "Bearer t"}}, "http"),
        ({"type": "sse", "url": "https://e.com/sse"}, "sse"),
        ({"url": "https://e.com/mcp"}, "http"),
        ({"type": "streamable-http", "url": "http://127.0.0.1:1/mcp"}, "http"),
    ],
)
def test_url_entries_are_remote_servers(entry: dict[str, object], transport: str) -> None:
    server = parse_server("remote", entry, scope="user", source=SOURCE)
    assert server.transport == transport
    assert server.url == entry["url"]
    assert dict(server.headers) == entry.get("headers", {})


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("npx", "must be an object"),
        ({"args": ["x"]}, "'command' must be a non-empty string"),
        ({"command": ""}, "'command' must be a non-empty string"),
        ({"command": "x", "args": "a b"}, "'args' must be a list of strings"),
        ({"command": "x", "env": {"A": 1}}, "'env' must be an object of strings"),
        ({"type": "websocket", "url": "ws://x"}, "unknown type 'websocket'"),
        ({"type": "http"}, "needs a 'url'"),
        ({"type": "sse", "url": "e.com"}, "needs a 'url' starting with http"),
        ({"type": "http", "url": "https://e.com", "headers": ["a"]}, "'headers' must be an object of strings"),
    ],
)
def test_a_bad_entry_says_what_is_wrong(entry: object, fragment: str) -> None:
    with pytest.raises(McpConfigError, match=fragment):
        parse_server("bad", entry, scope="project", source=SOURCE)


def test_variables_expand_with_defaults_and_a_missing_one_is_named() -> None:
    env = {"HOME": "/home/u", "TOKEN": "t0k"}
    assert expand_variables("${HOME}/bin:${NOPE:-dflt}", env, "here") == "/home/u/bin:dflt"
    server = parse_server(
        "api",
        {"type": "http", "url": "${BASE:-https://e.com}/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}},
        scope="project",
        source=SOURCE,
    )
    expanded = server.expanded(env)
    assert (expanded.url, dict(expanded.headers)) == ("https://e.com/mcp", {"Authorization": "Bearer t0k"})
    assert server.url == "${BASE:-https://e.com}/mcp"  # as written: `letta mcp get` shows no secret
    with pytest.raises(McpConfigError, match=r"environment variable MISSING is not set"):
        parse_server("x", {"command": "${MISSING}"}, scope="user", source=SOURCE).expanded(env)


def test_names_become_tool_name_safe() -> None:
    assert normalize_name("my.server v2") == "my_server_v2"
    assert parse_server("a.b", {"command": "x"}, scope="user", source=SOURCE).tool_prefix == "mcp__a_b__"


def test_both_scopes_are_read_and_the_project_wins_a_shared_name(tmp_path: Path, letta_home: Path) -> None:
    (tmp_path / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"shared": {"command": "project-cmd"}, "bad": {"type": "ftp"}}})
    )
    user = {"mcpServers": {"shared": {"command": "user-cmd"}, "mine": {"type": "sse", "url": "http://h/sse"}}}
    config = load_servers(tmp_path, user)
    assert [(s.name, s.scope) for s in config.servers] == [("mine", "user"), ("shared", "project")]
    assert config.servers[1].command == "project-cmd"
    assert len(config.problems) == 1
    assert "MCP server 'bad' is ignored: unknown type 'ftp'" in config.problems[0]
    assert str(tmp_path / ".mcp.json") in config.problems[0]


def test_a_broken_mcp_json_is_one_problem_and_the_user_servers_stay(tmp_path: Path, letta_home: Path) -> None:
    (tmp_path / ".mcp.json").write_text("{not json")
    config = load_servers(tmp_path, {"mcpServers": {"mine": {"command": "x"}}})
    assert [s.name for s in config.servers] == ["mine"]
    assert len(config.problems) == 1 and "is not valid JSON" in config.problems[0]
    config = load_servers(tmp_path, {"mcpServers": ["x"]})
    assert any("'mcpServers' must be an object" in p for p in config.problems)


def test_nothing_configured_is_seen_without_parsing(tmp_path: Path) -> None:
    assert not any_configured(tmp_path, {})
    assert not any_configured(tmp_path, {"mcpServers": {}})
    assert any_configured(tmp_path, {"mcpServers": {"a": {"command": "x"}}})
    (tmp_path / ".mcp.json").write_text("{}")
    assert any_configured(tmp_path, {})
