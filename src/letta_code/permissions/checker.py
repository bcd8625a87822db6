"""The permission checker: one `Decision` (allow / deny / ask) per tool call.

Order of precedence, wherever the rules come from (global, project, local
settings, CLI flags, this session):

1. a matching **deny** rule denies;
2. a matching **ask** rule asks;
3. the **mode** may decide (plan mode denies edits and non-read-only shell
   commands and asks for ExitPlanMode; bypassPermissions allows);
4. a matching **allow** rule allows;
5. otherwise the mode's default: read-only tools inside the working directory
   are allowed (not in strict mode), edits inside it are allowed in acceptEdits,
   everything else asks.

Shell commands are split into simple commands first (see `bash_check`). `Decision`
lives in `decision`, and the checker's state and the path helpers it shares with
the Bash analysis in `checker_base`, so neither imports this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from letta_code.config.hosts import url_host
from letta_code.config.settings import PermissionRules
from letta_code.permissions.bash_check import check_bash
from letta_code.permissions.categories import (
    EDIT_TOOLS,
    EXIT_PLAN_TOOL,
    FILE_READ_TOOLS,
    PATH_ARGUMENT,
    PATH_TOOLS,
    SESSION_TOOLS,
    SHELL_TOOL,
    WEB_FETCH_TOOL,
    WEB_SEARCH_TOOL,
)
from letta_code.permissions.checker_base import CheckerBase
from letta_code.permissions.decision import PLAN_MODE_REASON, Decision, allow, ask, deny
from letta_code.permissions.modes import PermissionMode
from letta_code.permissions.paths import ResolvedPath, expand_home
from letta_code.permissions.rules import Rule, parse_rule
from letta_code.permissions.suggest import path_rule_for, web_fetch_rule_for


class PermissionChecker(CheckerBase):
    """Decides tool calls from a mode and allow / deny / ask rules."""

    @classmethod
    def from_rules(
        cls,
        rules: PermissionRules,
        mode: PermissionMode | str = PermissionMode.DEFAULT,
        cwd: str | os.PathLike[str] | None = None,
        additional_dirs: Iterable[str | os.PathLike[str]] = (),
    ) -> PermissionChecker:
        """Build from the rules gathered from the settings files (and CLI flags)."""
        return cls(mode, rules.allow, rules.deny, rules.ask, cwd, additional_dirs)

    def add_session_rule(self, rule: str) -> Rule:
        """Allow-always for the rest of this session (not saved). Returns the parsed rule."""
        parsed = parse_rule(rule)
        if all(r.text != parsed.text for r in self.session_rules):
            self.session_rules.append(parsed)
        return parsed

    # -- entry point -------------------------------------------------------------------
    def check(self, tool_name: str, args: Mapping[str, Any] | None = None) -> Decision:
        """Decide one tool call."""
        arguments = dict(args or {})
        if tool_name == SHELL_TOOL:
            return check_bash(self, arguments)
        return self._check_tool(tool_name, arguments)

    # -- non-shell tools -----------------------------------------------------------------
    def _targets(self, tool: str, args: dict[str, Any]) -> list[ResolvedPath] | None:
        value = args.get(PATH_ARGUMENT[tool])
        if tool in ("Grep", "Glob", "LS") and not value:
            value = "."
        if not isinstance(value, str) or not value:
            return None
        try:
            target = self.resolve(value)
            pattern = args.get("pattern")
            if tool == "Glob" and isinstance(pattern, str) and pattern:
                return self._glob_targets(pattern, target)
        except ValueError:
            return None
        return [target]

    def _glob_targets(self, pattern: str, base: ResolvedPath) -> list[ResolvedPath] | None:
        """Where a Glob pattern can reach: its fixed leading folders joined to the base."""
        parts = expand_home(pattern.strip()).split("/")
        static: list[str] = []
        for i, part in enumerate(parts):
            if any(c in part for c in "*?[{"):
                if ".." in parts[i:]:
                    return None
                break
            static.append(part)
        prefix = ("/".join(static) or "/") if static else "."
        return [self.resolve(prefix, base.real)]

    def _check_tool(self, tool: str, args: dict[str, Any]) -> Decision:
        targets = self._targets(tool, args) if tool in PATH_TOOLS else []
        host = url_host(args.get("url")) if tool == WEB_FETCH_TOOL else None
        if tool == WEB_FETCH_TOOL and host is None:
            targets = None  # no host a domain rule could be matched against
        what = "which host WebFetch would reach" if tool == WEB_FETCH_TOOL else f"which files {tool} would touch"
        if targets is None:  # a path (or a URL's host) that cannot be read may be one a rule covers
            unknown = f"cannot tell {what}, so the rule {{}} applies"
            for rule in self.deny_rules:
                if rule.covers_tool(tool):
                    return deny(unknown.format(rule.text), rule.text)
            for rule in self.ask_rules:
                if rule.covers_tool(tool):
                    return ask(unknown.format(rule.text), rule=rule.text)
        found = self._rule(self.deny_rules, tool, args, targets, broad=True)
        if found is not None:
            return deny(f"{tool} is denied by the rule {found.text}", found.text)
        found = self._rule(self.ask_rules, tool, args, targets, broad=True)
        if found is not None:
            return ask(f"the rule {found.text} asks for approval", rule=found.text)
        if tool == EXIT_PLAN_TOOL:
            if self.mode == PermissionMode.PLAN:
                return ask("leaving plan mode needs the user's approval of the plan")
            return allow("not in plan mode")
        if self.mode == PermissionMode.PLAN and tool in EDIT_TOOLS:
            return deny(PLAN_MODE_REASON.format(what=f"{tool}"))
        if self.mode == PermissionMode.BYPASS_PERMISSIONS:
            return allow("bypassPermissions mode allows every call that no rule denies")
        found = self._rule(self.all_allow_rules, tool, args, targets, broad=False)
        if found is not None:
            return allow(f"allowed by the rule {found.text}", found.text)
        if tool in SESSION_TOOLS:
            return allow(f"{tool} only touches this session's own state")
        suggestions = self._suggestions(tool, targets, host)
        if targets is None:
            return ask(f"cannot tell {what}")
        shown = ", ".join(self.display(t) for t in targets)
        if self.mode == PermissionMode.STRICT:
            return ask("strict mode: every call needs approval unless a rule allows it", suggestions)
        if tool in FILE_READ_TOOLS:
            if all(self.inside_workspace(t) for t in targets):
                return allow("reads inside the working directory")
            return ask(f"{tool} reads outside the working directory: {shown}", suggestions)
        if tool in EDIT_TOOLS:
            if self.mode == PermissionMode.ACCEPT_EDITS:
                if not all(self.inside_workspace(t) for t in targets):
                    return ask(f"{tool} writes outside the working directory: {shown}", suggestions)
                if any(self.is_protected(t) for t in targets):
                    return ask(f"{shown} is in a protected folder (.git, .letta): edits there always ask", suggestions)
                return allow("acceptEdits mode allows edits inside the working directory")
            return ask(f"{tool} changes {shown}", suggestions)
        if tool == WEB_FETCH_TOOL:
            return ask(f"WebFetch reaches {host} over the network", suggestions)
        if tool == WEB_SEARCH_TOOL:
            return ask("WebSearch sends the query to the web search provider", suggestions)
        return ask(f"{tool} needs approval", (tool,))

    def _rule(
        self,
        rules: Iterable[Rule],
        tool: str,
        args: dict[str, Any],
        targets: list[ResolvedPath] | None,
        *,
        broad: bool,
    ) -> Rule | None:
        rules = [r for r in rules if r.covers_tool(tool)]
        if tool in PATH_TOOLS:
            return self.path_rule(rules, tool, targets or [], broad=broad)
        for rule in rules:
            if rule.kind == "tool" or (rule.kind == "generic" and rule.matches_generic(args)):
                return rule
        return None

    def _suggestions(self, tool: str, targets: list[ResolvedPath] | None, host: str | None) -> list[str]:
        if tool == WEB_FETCH_TOOL:
            return [web_fetch_rule_for(host)] if host else []
        if tool not in PATH_TOOLS:
            return [tool]
        if not targets:
            return []
        family = "Edit" if tool in EDIT_TOOLS else "Read"
        is_dir = tool in ("Grep", "Glob", "LS")
        return [path_rule_for(family, t, self.root, is_dir=is_dir) for t in targets]
