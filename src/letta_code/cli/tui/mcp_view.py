"""The terminal UI's side of MCP: the question about a project server, and what `/mcp` shows.

A server of `.mcp.json` that no settings file approves is asked about once, at start-up,
before it is started (`ask_project_server`, passed to `open_session`); the answer is
saved by `cli/mcp_setup.py`. `/mcp` lists every configured server with its scope, how it
is reached, its status (and why it failed or was skipped), its tools and its prompts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from letta_code.cli.tui.widgets import choose
from letta_code.tools.mcp.config import McpServerConfig

if TYPE_CHECKING:  # the manager is imported only when a server is configured
    from letta_code.tools.mcp.manager import McpServers

CHOICES = ["Yes, start it (remembered for this project)", "No, never start it here", "Not now (ask next time)"]
MARKS = {"connected": ("●", "green"), "failed": ("✗", "red"), "skipped": ("○", "dim"), "pending": ("…", "dim")}


async def ask_project_server(server: McpServerConfig, console: Console | None = None) -> bool | None:
    """True: start it; False: never; None: not this time (Esc, Ctrl-C)."""
    console = console or Console(highlight=False, soft_wrap=False)
    console.print(Text.assemble(("The project's .mcp.json names the MCP server ", "bold"), (server.name, "bold cyan")))
    console.print(Text(f"  {server.transport}: {server.target()}", style="dim"))
    choice = await choose(f"Start the MCP server {server.name!r}?", CHOICES)
    return {0: True, 1: False}.get(choice) if choice is not None else None


def mcp_table(servers: McpServers | None) -> Text:
    """What `/mcp` prints."""
    statuses = servers.statuses() if servers is not None else []
    if not statuses:
        return Text(
            "No MCP servers configured. Add one with `letta mcp add NAME -- COMMAND [ARGS...]` "
            "(or `--transport http NAME URL`), or in the project's .mcp.json.",
            style="dim",
        )
    out = Text("MCP servers\n", style="bold")
    for status in statuses:
        mark, style = MARKS.get(status.status, ("?", ""))
        out.append(f"  {mark} ", style=style)
        out.append(status.name, style="bold")
        out.append(f"  {status.scope}, {status.transport}: {status.target}  ", style="dim")
        out.append(status.status, style=style)
        if status.error:
            out.append(f": {status.error}", style=style)
        out.append("\n")
        if status.tools:
            out.append(f"      tools: {', '.join(status.tools)}\n", style="dim")
        if status.prompts:
            out.append(f"      prompts: {', '.join('/' + p for p in status.prompts)}\n", style="dim")
    out.rstrip()
    return out
