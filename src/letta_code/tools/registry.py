"""The client tools by name: lookup, selection for `--tools`, and session shutdown.

Tool classes are imported on first use, so importing the registry is cheap.
"""

from __future__ import annotations

import importlib

from letta_code.tools.base import ClientTool, ToolError, ToolSession

_TOOLS: dict[str, tuple[str, str]] = {
    "Bash": ("bash", "BashTool"),
    "BashOutput": ("bash_output", "BashOutputTool"),
    "KillBash": ("kill_bash", "KillBashTool"),
    "Read": ("read", "ReadTool"),
    "Write": ("write", "WriteTool"),
    "Edit": ("edit", "EditTool"),
    "MultiEdit": ("multi_edit", "MultiEditTool"),
    "Grep": ("grep", "GrepTool"),
    "Glob": ("glob_tool", "GlobTool"),
    "LS": ("ls", "LSTool"),
    "TodoWrite": ("todo_write", "TodoWriteTool"),
    "ExitPlanMode": ("exit_plan_mode", "ExitPlanModeTool"),
    "WebFetch": ("web_fetch", "WebFetchTool"),
    "WebSearch": ("web_search", "WebSearchTool"),
}

ALL_TOOL_NAMES: tuple[str, ...] = tuple(_TOOLS)
# Tools added after agents were first linked: `cli/session.py` gives them to an agent that
# has every other registry tool (one linked by an earlier version). A new tool goes here too.
ADDED_LATER: tuple[str, ...] = ("WebFetch", "WebSearch")


def get_tool(name: str) -> ClientTool | None:
    """A new instance of the tool called `name` (exact name), or None."""
    entry = _TOOLS.get(name)
    if entry is None:
        return None
    module = importlib.import_module(f"letta_code.tools.builtin.{entry[0]}")
    tool: ClientTool = getattr(module, entry[1])()
    return tool


def select_tools(names: list[str] | None) -> list[ClientTool]:
    """The tools for `names` in the given order (None: the default set, []: none).

    Names match case-insensitively; unknown names raise ToolError listing the valid ones.
    """
    if names is None:
        names = list(ALL_TOOL_NAMES)
    by_lower = {n.lower(): n for n in ALL_TOOL_NAMES}
    chosen: list[str] = []
    unknown: list[str] = []
    for raw in names:
        name = by_lower.get(raw.strip().lower())
        if name is None:
            if raw.strip():
                unknown.append(raw.strip())
        elif name not in chosen:
            chosen.append(name)
    if unknown:
        raise ToolError(
            f"Unknown tool{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"Valid tools: {', '.join(ALL_TOOL_NAMES)}."
        )
    tools = [get_tool(n) for n in chosen]
    return [t for t in tools if t is not None]


def interrupt(session: ToolSession) -> int:
    """Kill the foreground Bash commands of `session` (user interrupt); how many were running."""
    from letta_code.tools.shells import interrupt_foreground

    return interrupt_foreground(session)


def shutdown(session: ToolSession) -> int:
    """Kill every background shell of `session`; returns how many were still running."""
    from letta_code.tools.shells import SHELLS_KEY, shutdown_shells

    if not session.state.get(SHELLS_KEY):
        return 0
    return shutdown_shells(session)
