"""Permission rules from the settings files and the flags, checked before a session starts:
a rule that names a tool letta does not know is refused in one line, naming where it came from."""

from __future__ import annotations

from letta_code.cli.args import CliOptions, CliUsageError
from letta_code.client.models import server_tool_names
from letta_code.config import paths
from letta_code.config.settings import Settings, SettingsError
from letta_code.config.settings_keys import did_you_mean
from letta_code.harness.questions import ASK_TOOL
from letta_code.harness.skills import SKILL_TOOL
from letta_code.harness.subagents import TASK_TOOL
from letta_code.permissions import RuleError, parse_rule, split_rule_list
from letta_code.permissions.categories import KNOWN_TOOLS
from letta_code.tools.registry import ALL_TOOL_NAMES

# Tools of Claude Code that letta has not got: a settings file shared with it may name them.
_OTHER_AGENT_TOOLS = frozenset({"NotebookRead"})
_CODING_TOOLS = frozenset(ALL_TOOL_NAMES) | KNOWN_TOOLS | {SKILL_TOOL, ASK_TOOL, TASK_TOOL}


def _known_rule_tool(name: str) -> bool:
    """A tool a permission rule may name: the coding tools (as `--tools` knows them), the
    Skill tool, the agent's memory and search tools, `mcp__...` names, Claude Code's own."""
    if name in _CODING_TOOLS or name in _OTHER_AGENT_TOOLS or name.startswith("mcp__"):
        return True
    # Asked only for a name not known above: the service's tool names cost a noticeable start-up.
    return name in server_tool_names()


def check_rule(text: str, where: str) -> str | None:
    """Why the permission rule `text` (from `where`) is refused, in one line; None if fine."""
    try:
        rule = parse_rule(text)
    except RuleError as exc:
        return f"bad permission rule in {where}: {exc}"
    if _known_rule_tool(rule.tool):
        return None
    hint = did_you_mean(rule.tool, _CODING_TOOLS | _OTHER_AGENT_TOOLS)
    return (
        f"bad permission rule in {where}: {rule.text!r} names an unknown tool {rule.tool!r}{hint}; "
        f"valid tools: {', '.join(ALL_TOOL_NAMES)}, {SKILL_TOOL}, the memory tools, or mcp__<server> names"
    )


def check_rules(args: CliOptions, settings: Settings) -> None:
    """Every rule of the settings files and the flags, each named by where it came from.

    Call it after `settings.permission_rules()`, which refuses a malformed `permissions` shape.
    """
    files = (
        (settings.global_, paths.global_settings_path()),
        (settings.project, paths.project_settings_path(settings.cwd)),
        (settings.local, paths.project_local_settings_path(settings.cwd)),
    )
    for data, source in files:
        perms = data.get("permissions") or {}
        for kind in ("allow", "deny", "ask"):
            for text in perms.get(kind) or []:
                if problem := check_rule(text, f"{source} (permissions.{kind})"):
                    raise SettingsError(problem)
    for flag, values in (("--allowedTools", args.allowed_tools), ("--disallowedTools", args.disallowed_tools)):
        for value in values:
            try:
                texts = split_rule_list(value)
            except RuleError as exc:
                raise CliUsageError(f"bad permission rule in {flag}: {exc}") from exc
            for text in texts:
                if problem := check_rule(text, flag):
                    raise CliUsageError(problem)
