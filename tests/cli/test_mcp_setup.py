"""Which MCP servers a session starts, the answers it remembers, and what it offers from them:
real settings files, the real FastMCP test server."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from letta_code.cli.mcp_setup import (
    init_event_servers,
    mcp_client_tools,
    mcp_external_tools,
    mcp_prompt_commands,
    project_approval,
    start_mcp,
)
from letta_code.config.settings import Settings
from letta_code.tools.mcp.config import McpServerConfig
from letta_code.tools.mcp.manager import McpPromptError, McpServers
from tests.tools.mcp.conftest import stdio_entry


def project_with(project: Path, **servers: dict[str, Any]) -> Settings:
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": servers}))
    return Settings.load(project)


def local_settings(project: Path) -> dict[str, Any]:
    return dict(json.loads((project / ".letta" / "settings.local.json").read_text()))


class Answers:
    """The TUI's question, answered from a list (as the user would), recording what was asked."""

    def __init__(self, *answers: bool | None) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    async def __call__(self, server: McpServerConfig) -> bool | None:
        self.asked.append(server.name)
        return self.answers.pop(0)


def start(settings: Settings, **kwargs: Any) -> tuple[McpServers | None, list[str]]:
    warnings: list[str] = []
    kwargs.setdefault("bypass", False)
    kwargs.setdefault("ask", None)
    servers = asyncio.run(_start_and_close(settings, warnings, kwargs))
    return servers, warnings


async def _start_and_close(settings: Settings, warnings: list[str], kwargs: dict[str, Any]) -> McpServers | None:
    servers = await start_mcp(settings, dict(os.environ), warn=warnings.append, **kwargs)
    if servers is not None:
        await servers.close()
    return servers


def states(servers: McpServers | None) -> dict[str, str]:
    return {e["name"]: e["status"] for e in init_event_servers(servers)}


def test_nothing_configured_starts_nothing(project: Path, letta_home: Path) -> None:
    assert start(Settings.load(project)) == (None, [])


@pytest.mark.parametrize(
    ("settings_files", "expected"),
    [
        ({}, "skipped"),
        ({"settings.local.json": {"enabledMcpjsonServers": ["echo"]}}, "connected"),
        ({"settings.json": {"enableAllProjectMcpServers": True}}, "connected"),
        (
            {
                "settings.json": {"enableAllProjectMcpServers": True},
                "settings.local.json": {"disabledMcpjsonServers": ["echo"]},
            },
            "skipped",
        ),
    ],
)
def test_a_project_server_starts_only_when_a_settings_file_approves_it(
    project: Path, letta_home: Path, settings_files: dict[str, dict[str, Any]], expected: str
) -> None:
    (project / ".letta").mkdir()
    for name, data in settings_files.items():
        (project / ".letta" / name).write_text(json.dumps(data))
    servers, _ = start(project_with(project, echo=stdio_entry()))
    assert states(servers) == {"echo": expected}


def test_yolo_starts_an_unapproved_server_but_never_a_disabled_one(project: Path, letta_home: Path) -> None:
    settings = project_with(project, echo=stdio_entry(), off=stdio_entry())
    settings.save_local(disabledMcpjsonServers=["off"])
    servers, warnings = start(settings, bypass=True)
    assert states(servers) == {"echo": "connected", "off": "skipped"}
    assert warnings == []


def test_user_servers_start_without_a_question(project: Path, letta_home: Path) -> None:
    letta_home.mkdir(exist_ok=True)
    (letta_home / "settings.json").write_text(json.dumps({"mcpServers": {"mine": stdio_entry()}}))
    ask = Answers()
    servers, _ = start(Settings.load(project), ask=ask)
    assert states(servers) == {"mine": "connected"} and ask.asked == []


def test_the_tui_asks_once_and_the_answers_are_remembered(project: Path, letta_home: Path) -> None:
    settings = project_with(project, yes=stdio_entry(), no=stdio_entry(), later=stdio_entry())
    ask = Answers(True, False, None)
    servers, _ = start(settings, ask=ask)
    assert ask.asked == ["yes", "no", "later"]
    assert states(servers) == {"yes": "connected", "no": "skipped", "later": "skipped"}
    assert local_settings(project) == {"enabledMcpjsonServers": ["yes"], "disabledMcpjsonServers": ["no"]}
    again = Answers(True)
    servers, _ = start(Settings.load(project), ask=again)
    assert again.asked == ["later"]  # the others were answered before
    assert states(servers) == {"yes": "connected", "no": "skipped", "later": "connected"}
    assert local_settings(project)["enabledMcpjsonServers"] == ["yes", "later"]


def test_start_problems_are_one_warning_line_each(project: Path, letta_home: Path) -> None:
    settings = project_with(project, gone={"command": "no-such-mcp-command"}, bad={"type": "ftp"})
    settings.save_local(enabledMcpjsonServers="gone")  # not a list
    servers, warnings = start(settings, bypass=True)
    assert states(servers) == {"gone": "failed"}
    assert len(warnings) == 3
    assert "MCP server 'bad' is ignored: unknown type 'ftp'" in warnings[0]
    assert "'enabledMcpjsonServers' must be a list of server names" in warnings[1]
    assert warnings[2] == "MCP server 'gone' failed to start: command not found: no-such-mcp-command"
    assert init_event_servers(servers) == [
        {"name": "gone", "status": "failed", "error": "command not found: no-such-mcp-command"}
    ]


def test_headless_notes_the_unapproved_servers_in_one_line(project: Path, letta_home: Path) -> None:
    _, warnings = start(project_with(project, a=stdio_entry(), b=stdio_entry()))
    (note,) = warnings
    assert "not started: a, b" in note and "enabledMcpjsonServers" in note and "--yolo" in note


def test_a_started_server_gives_tools_schemas_and_prompt_commands(project: Path, letta_home: Path) -> None:
    settings = project_with(project, echo=stdio_entry())

    async def scenario() -> None:
        servers = await start_mcp(settings, dict(os.environ), bypass=True, ask=None, warn=print)
        assert servers is not None
        try:
            schemas = {s["name"]: s for s in mcp_client_tools(servers)}
            assert schemas["mcp__echo__echo"]["description"] == "Say the text back."
            assert schemas["mcp__echo__echo"]["parameters"]["required"] == ["text"]
            tools = mcp_external_tools(servers)
            assert set(tools) == set(schemas)
            assert tools["mcp__echo__pid"].read_only and not tools["mcp__echo__crash"].read_only
            (greet,) = mcp_prompt_commands(servers)
            assert (greet.name, greet.argument_hint, greet.origin) == (
                "mcp__echo__greet",
                "<name> [mood]",
                "MCP server echo",
            )
            assert await greet.expand("Ann grumpy") == "Write a grumpy greeting for Ann."
            with pytest.raises(McpPromptError, match="missing argument 'name'"):
                await greet.expand("")
        finally:
            await servers.close()

    asyncio.run(scenario())


def test_bad_timeouts_are_a_warning_and_the_default_holds(project: Path, letta_home: Path) -> None:
    settings = project_with(project, echo=stdio_entry())

    async def scenario() -> tuple[McpServers | None, list[str]]:
        warnings: list[str] = []
        environ = {**os.environ, "MCP_TIMEOUT": "soon", "MCP_TOOL_TIMEOUT": "1500"}
        servers = await start_mcp(settings, environ, bypass=True, ask=None, warn=warnings.append)
        if servers is not None:
            await servers.close()
        return servers, warnings

    servers, warnings = asyncio.run(scenario())
    assert servers is not None and servers.startup_timeout == 30 and servers.call_timeout == 1.5
    assert warnings == ["MCP_TIMEOUT='soon' is not a positive number of milliseconds; it is ignored"]
    assert project_approval(Settings.load(project), print).decision("echo") is None
