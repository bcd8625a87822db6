"""The terminal UI's MCP parts: what `/mcp` prints (real servers, a string console), and in a
real terminal (tmux) the start-up question about a project server, `/mcp`, and a tool call."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from letta_code.cli.tui.mcp_view import mcp_table
from letta_code.testing import ModelServer, Reply
from tests.cli.test_tui_terminal import MODEL, Terminal
from tests.conftest import Letta
from tests.tools.mcp.conftest import make_servers, server_config, stdio_entry


def printed(text: object) -> str:
    out = io.StringIO()
    Console(width=200, file=out).print(text)
    return out.getvalue()


def test_mcp_with_no_server_says_how_to_add_one() -> None:
    assert "letta mcp add NAME -- COMMAND" in printed(mcp_table(None))


def test_mcp_lists_each_server_with_scope_status_tools_and_prompts(tmp_path: Path) -> None:
    async def scenario() -> str:
        servers = make_servers(tmp_path)
        servers.skip(server_config("later", stdio_entry(), tmp_path), "not approved")
        await servers.start(
            [server_config("echo", stdio_entry(), tmp_path), server_config("gone", {"command": "nope-cmd"}, tmp_path)]
        )
        try:
            return printed(mcp_table(servers))
        finally:
            await servers.close()

    lines = asyncio.run(scenario()).splitlines()
    assert lines[0] == "MCP servers"
    echo = next(i for i, line in enumerate(lines) if " echo " in line)
    assert "project, stdio:" in lines[echo] and lines[echo].endswith("connected")
    assert lines[echo + 1].strip().startswith("tools: mcp__echo__echo, mcp__echo__add")
    assert lines[echo + 2].strip() == "prompts: /mcp__echo__greet"
    assert any("later" in line and "skipped: not approved" in line for line in lines)
    assert any("gone" in line and "failed: command not found: nope-cmd" in line for line in lines)


@pytest.mark.slow
def test_the_tui_asks_about_a_project_server_once_then_uses_it(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    (letta.cwd / ".mcp.json").write_text(json.dumps({"mcpServers": {"echo": stdio_entry()}}))
    model_server.script([Reply(tool_calls=[("mcp__echo__echo", {"text": "via the tui"})]), Reply(text="Echoed.")])
    env = {**letta.env, "TERM": "xterm-256color"}
    term = Terminal(letta.home.parent, env, letta.cwd, MODEL)
    terminals.append(term)
    term.wait_for("names the MCP server echo", "Start the MCP server 'echo'?")
    term.keys("1")
    term.wait_for("/help for commands")
    local = json.loads((letta.cwd / ".letta" / "settings.local.json").read_text())
    assert local["enabledMcpjsonServers"] == ["echo"]

    term.say("/mcp")
    term.wait_for("connected", "tools: mcp__echo__echo", "prompts: /mcp__echo__greet")

    term.say("echo something")
    term.wait_for("Do you want to proceed?")
    term.keys("1")
    term.wait_for("Echoed.")
    results = [m for m in model_server.last_messages() if m.get("role") == "tool"]
    assert [m["content"] for m in results] == ["echo: via the tui"]
    term.say("/exit")
    term.wait_for("[letta exited 0]")

    again = Terminal(letta.home.parent, env, letta.cwd, MODEL)
    terminals.append(again)
    screen = again.wait_for("/help for commands")
    assert "Start the MCP server" not in screen  # the answer was remembered
