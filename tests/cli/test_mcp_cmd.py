"""`letta mcp add|list|get|remove` as a user runs it: the real command, a temporary home and project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Letta


def servers_in(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())["mcpServers"])


def ok(letta: Letta, *args: str) -> str:
    proc = letta.run("mcp", *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_add_writes_each_scope_in_claude_codes_shape(letta: Letta) -> None:
    ok(letta, "add", "files", "-e", "ROOT=/data", "-e", "MODE=ro", "--", "npx", "-y", "fs-server", "--flag")
    ok(
        letta,
        "add",
        "--transport",
        "http",
        "api",
        "https://mcp.example.com/mcp",
        "-H",
        "Authorization: Bearer ${TOKEN}",
    )
    ok(letta, "add", "--scope", "project", "-t", "sse", "events", "https://e.example.com/sse")
    ok(letta, "add", "-s", "project", "local", "python", "server.py")
    assert servers_in(letta.home / "settings.json") == {
        "files": {"command": "npx", "args": ["-y", "fs-server", "--flag"], "env": {"ROOT": "/data", "MODE": "ro"}},
        "api": {"type": "http", "url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}},
    }
    assert servers_in(letta.cwd / ".mcp.json") == {
        "events": {"type": "sse", "url": "https://e.example.com/sse"},
        "local": {"command": "python", "args": ["server.py"]},
    }
    assert (letta.home / "settings.json").stat().st_mode & 0o777 == 0o600  # the global file holds credentials


def test_list_and_get_show_both_scopes(letta: Letta) -> None:
    assert "No MCP servers configured" in ok(letta, "list")
    ok(letta, "add", "mine", "--", "my-server", "--port", "0")
    ok(letta, "add", "--scope", "project", "--transport", "http", "team", "https://team.example.com/mcp")
    lines = ok(letta, "list").splitlines()
    assert [line.split()[:3] for line in lines] == [["mine", "user", "stdio"], ["team", "project", "http"]]
    assert lines[0].endswith("my-server --port 0") and lines[1].endswith("https://team.example.com/mcp")
    shown = ok(letta, "get", "team")
    assert "scope: project" in shown and "url: https://team.example.com/mcp" in shown
    assert "mcp__team__<tool>" in shown


def test_remove_finds_the_scope_and_asks_when_both_have_the_name(letta: Letta) -> None:
    ok(letta, "add", "dup", "--", "a")
    ok(letta, "add", "--scope", "project", "dup", "--", "b")
    ok(letta, "add", "solo", "--", "c")
    proc = letta.run("mcp", "remove", "dup")
    assert proc.returncode == 1 and "--scope" in proc.stderr
    assert "Removed" in ok(letta, "remove", "dup", "--scope", "project")
    assert servers_in(letta.cwd / ".mcp.json") == {}
    ok(letta, "remove", "solo")
    assert set(servers_in(letta.home / "settings.json")) == {"dup"}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["add", "bad.name", "--", "x"], "bad server name 'bad.name'"),
        (["add", "nothing"], "missing the server's command"),
        (["add", "-t", "http", "web"], "missing the server's URL"),
        (["add", "web", "https://e.com/mcp"], "add --transport http"),
        (["add", "-t", "http", "web", "e.com"], "needs a 'url' starting with http"),
        (["add", "-t", "http", "web", "https://e.com/mcp", "extra"], "takes one URL"),
        (["add", "-e", "NOEQUALS", "x", "--", "cmd"], "bad --env 'NOEQUALS'"),
        (["add", "-t", "http", "-H", "no colon", "w", "https://e.com"], "bad --header 'no colon'"),
        (["add", "-H", "A: b", "x", "--", "cmd"], "--header is for http and sse servers"),
        (["add", "-t", "ftp", "x", "u"], "invalid choice: 'ftp'"),
        (["get", "nope"], "no MCP server named 'nope'"),
        (["remove", "nope"], "no MCP server named 'nope'"),
        (["bogus"], "unknown command 'bogus'"),
        (["list", "--", "x"], "'--' is for"),
    ],
)
def test_bad_input_is_one_line(letta: Letta, args: list[str], fragment: str) -> None:
    proc = letta.run("mcp", *args)
    assert proc.returncode == 1
    assert proc.stderr.startswith("letta mcp: ") and fragment in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_add_refuses_a_name_that_exists_and_a_broken_file(letta: Letta) -> None:
    ok(letta, "add", "one", "--", "a")
    proc = letta.run("mcp", "add", "one", "--", "b")
    assert proc.returncode == 1 and "already exists" in proc.stderr
    (letta.cwd / ".mcp.json").write_text("{broken")
    proc = letta.run("mcp", "add", "--scope", "project", "two", "--", "b")
    assert proc.returncode == 1 and "is not valid JSON" in proc.stderr
    assert (letta.cwd / ".mcp.json").read_text() == "{broken"  # never overwritten
    listed = letta.run("mcp", "list")
    assert listed.returncode == 0 and "one" in listed.stdout and "is not valid JSON" in listed.stderr
