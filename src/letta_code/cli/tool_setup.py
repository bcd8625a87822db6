"""Which tools a session offers: what `--tools` asks for, WebSearch only with a search
provider, and the tools added since an older version linked the agent.

`cli/session.py` asks here at start-up (and the TUI's `/link` through `requested_tools`).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from letta_code.cli.args import CliOptions, CliUsageError
from letta_code.config.json_files import SettingsError
from letta_code.harness.questions import ASK_TOOL
from letta_code.harness.skills import SKILL_TOOL
from letta_code.harness.subagents import TASK_TOOL
from letta_code.permissions.categories import WEB_SEARCH_TOOL
from letta_code.schemas.state import AgentState
from letta_code.tools.base import ToolError
from letta_code.tools.registry import ADDED_LATER, ALL_TOOL_NAMES, select_tools


def without_unconfigured(names: list[str], *, asked: bool, warn: Callable[[str], None]) -> list[str]:
    """`names` without WebSearch when no search provider is configured (`config/web.py`);
    `asked` (it was named in `--tools`): refused instead, with how to enable it. A provider
    configured wrongly (a key missing) refuses an asked WebSearch; otherwise the session
    starts without it, and `warn` says why."""
    if WEB_SEARCH_TOOL not in names:
        return names
    from letta_code.config.web import HOW_TO_ENABLE, load_web_search

    try:
        if load_web_search(os.environ) is not None:
            return names
    except SettingsError as exc:
        if asked:
            raise CliUsageError(f"--tools: {WEB_SEARCH_TOOL}: {exc}") from exc
        warn(f"{WEB_SEARCH_TOOL} is not offered: {exc}")
        return [n for n in names if n != WEB_SEARCH_TOOL]
    if asked:
        raise CliUsageError(f"--tools: {WEB_SEARCH_TOOL}: {HOW_TO_ENABLE}")
    return [n for n in names if n != WEB_SEARCH_TOOL]


def tools_added_since(agent: AgentState) -> list[str]:
    """The registry tools of `ADDED_LATER` the agent lacks, when it has every other registry
    tool (an earlier version linked it); an unlinked agent, or one given a tool list of its
    own, keeps its list."""
    older = [t for t in ALL_TOOL_NAMES if t not in ADDED_LATER]
    if not all(t in agent.tools for t in older):
        return []
    return [t for t in ADDED_LATER if t not in agent.tools]


def requested_tools(args: CliOptions, warn: Callable[[str], None]) -> list[str]:
    """The registry tools `--tools` asks for (every one without it; the harness's own tools are apart)."""
    if args.tools is None:
        return without_unconfigured(list(ALL_TOOL_NAMES), asked=False, warn=warn)
    names = [n for n in _tool_list(args.tools) if n not in HARNESS_TOOLS]
    try:
        return without_unconfigured([t.name for t in select_tools(names)], asked=True, warn=warn)
    except ToolError as exc:
        raise CliUsageError(f"--tools: {exc}") from exc


# The tools the harness itself runs (not registry tools): `--tools` may name them too.
HARNESS_TOOLS = (SKILL_TOOL, ASK_TOOL, TASK_TOOL)


def _tool_list(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def asks_for(args: CliOptions, harness_tool: str) -> bool:
    """Whether the session offers one of the harness's own tools: always, unless `--tools` leaves it out."""
    return args.tools is None or harness_tool in _tool_list(args.tools)
