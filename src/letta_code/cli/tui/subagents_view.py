"""Subagents in the TUI: what a running `Task` call's subagent is doing, and `/agents`.

`/agents` lists the subagent types the `Task` tool offers (built-in and from
`.letta/agents/*.md` and `$LETTA_HOME/agents/*.md`); `/agents create NAME DESCRIPTION`
writes a new type file in the project's `.letta/agents/` to edit, offered from the next
session on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.text import Text

from letta_code.cli.tui import render
from letta_code.harness.subagent_types import load_types, type_file_template, valid_type_name
from letta_code.harness.subagents import Subagents

STATUS_WIDTH = 60  # the subagent's current call, in the line under its Task call


def subagent_status(subagents: Subagents | None, cwd: Path) -> Callable[[str], str | None]:
    """For the turn view: the tool a running Task call's subagent runs now, by the call's id."""

    def status(call_id: str) -> str | None:
        run = subagents.running.get(call_id) if subagents is not None else None
        if run is None:
            return None
        uses = sum(run.tool_calls.values())
        call = run.tool
        doing = render.tool_line(call.name, call.args(), STATUS_WIDTH, cwd) if call is not None else "thinking…"
        return f"{run.kind}: {doing} · {uses} tool use{'s' if uses != 1 else ''}"

    return status


def agents_command(console: Console, arg: str, cwd: Path, home: Path, subagents: Subagents | None) -> None:
    """`/agents` (list the types) and `/agents create NAME DESCRIPTION` (write a new type file)."""
    words = arg.split(maxsplit=2)
    if words and words[0] == "create":
        _create(console, words[1:], cwd)
        return
    if words:
        console.print(Text("Usage: /agents, or /agents create NAME DESCRIPTION", style="yellow"))
        return
    if subagents is None:
        console.print(Text("This session does not offer the Task tool (--tools leaves it out).", style="dim"))
    for kind in load_types(cwd, home):
        line = Text(f"  {kind.name}", style="bold").append(f"  {kind.description}")
        tools = ", ".join(kind.tools) if kind.tools is not None else "all tools"
        where = "built-in" if kind.source == "built-in" else kind.source
        line.append(f"\n    {tools} · {kind.model or 'the agent’s model'} · {where}", style="dim")
        console.print(line)


def _create(console: Console, words: list[str], cwd: Path) -> None:
    if len(words) < 2 or not valid_type_name(words[0]):
        console.print(
            Text("Usage: /agents create NAME DESCRIPTION (NAME: lowercase letters, digits, - or _)", style="yellow")
        )
        return
    name, description = words[0], " ".join(words[1].split())
    path = cwd / ".letta" / "agents" / f"{name}.md"
    if path.exists():
        console.print(Text(f"{path} exists already: edit it.", style="yellow"))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(type_file_template(name, description), encoding="utf-8")
    console.print(Text(f"Wrote {path}: edit its instructions and tools; new sessions offer it to Task.", style="dim"))
