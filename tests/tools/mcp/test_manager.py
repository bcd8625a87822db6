"""A session's MCP servers together: tool names and schemas, statuses, prompts, closing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from letta_code.tools.mcp.connection import McpPromptArgument, McpPromptInfo
from letta_code.tools.mcp.manager import McpPromptError, argument_hint, prompt_arguments
from tests.tools.mcp.conftest import make_servers, run, server_config, stdio_entry


def test_tools_are_named_for_their_server_and_keep_their_schemas(tmp_path: Path) -> None:
    async def scenario() -> None:
        servers = make_servers(tmp_path)
        await servers.start(
            [server_config("echo", stdio_entry(), tmp_path), server_config("e.2", stdio_entry(), tmp_path)]
        )
        try:
            tools = {t.name: t for t in servers.tools()}
            assert {"mcp__echo__echo", "mcp__echo__add", "mcp__e_2__echo"} <= set(tools)
            echo = tools["mcp__echo__echo"]
            assert (echo.tool, echo.read_only) == ("echo", True)
            assert echo.parameters["properties"]["text"]["type"] == "string"
            assert (await echo.call({"text": "x"})).output == "echo: x"
            assert [p.name for p in servers.prompts()] == ["mcp__echo__greet", "mcp__e_2__greet"]
            statuses = {s.name: s for s in servers.statuses()}
            assert statuses["echo"].status == "connected"
            assert "mcp__echo__pixel" in statuses["echo"].tools and statuses["echo"].prompts == ("mcp__echo__greet",)
        finally:
            await servers.close()

    run(scenario())


def test_skipped_failed_and_crashed_servers_are_reported_and_never_raise(tmp_path: Path) -> None:
    async def scenario() -> None:
        servers = make_servers(tmp_path, startup_timeout=5)
        servers.skip(server_config("later", stdio_entry(), tmp_path), "not approved")
        await servers.start(
            [
                server_config("echo", stdio_entry(), tmp_path),
                server_config("gone", {"command": "no-such-mcp-command"}, tmp_path),
                server_config("secret", {"command": sys.executable, "args": ["${NO_SUCH_VARIABLE_X}"]}, tmp_path),
            ]
        )
        try:
            crash = next(t for t in servers.tools() if t.name == "mcp__echo__crash")
            result = await crash.call({})
            assert result.status == "error" and result.output.startswith("Error: MCP server 'echo' failed:")
            statuses = {s.name: (s.status, s.error) for s in servers.statuses()}
            assert statuses["later"] == ("skipped", "not approved")
            assert statuses["gone"] == ("failed", "command not found: no-such-mcp-command")
            assert statuses["secret"][0] == "failed" and "NO_SUCH_VARIABLE_X is not set" in str(statuses["secret"][1])
            assert statuses["echo"][0] == "failed"
            assert servers.tools() == []  # a failed server offers nothing more
        finally:
            await servers.close()

    run(scenario())


GREET = McpPromptInfo(
    "greet", "Greet someone", (McpPromptArgument("name", "", True), McpPromptArgument("note", "", False))
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ann", {"name": "Ann"}),
        ("Ann be brief", {"name": "Ann", "note": "be brief"}),
        ('"Ann Lee" short', {"name": "Ann Lee", "note": "short"}),
    ],
)
def test_prompt_words_fill_the_arguments_in_order(text: str, expected: dict[str, str]) -> None:
    assert prompt_arguments(GREET, text) == expected


def test_a_missing_required_prompt_argument_is_one_line() -> None:
    assert argument_hint(GREET) == "<name> [note]"
    with pytest.raises(McpPromptError, match=r"missing argument 'name' \(usage: <name> \[note\]\)"):
        prompt_arguments(GREET, "")
