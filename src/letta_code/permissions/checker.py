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

Shell commands are split into simple commands first (see `bash_check`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from letta_code.config.settings import PermissionRules
from letta_code.permissions.categories import (
    EDIT_TOOLS,
    EXIT_PLAN_TOOL,
    FILE_READ_TOOLS,
    PATH_ARGUMENT,
    PATH_TOOLS,
    SESSION_TOOLS,
    SHELL_TOOL,
)
from letta_code.permissions.git_repo import GIT_DIR_MARKERS
from letta_code.permissions.modes import PermissionMode, parse_mode
from letta_code.permissions.paths import (
    ResolvedPath,
    expand_home,
    inside_any,
    real_dir,
    relative_display,
    resolve_path,
)
from letta_code.permissions.rules import Rule, parse_rule
from letta_code.permissions.suggest import path_rule_for

Behavior = Literal["allow", "deny", "ask"]

# Folders whose files change how tools behave; edits there always ask (even in acceptEdits).
PROTECTED_NAMES: tuple[str, ...] = (".git", ".letta")
# What case-insensitive filesystems also read as those names: HFS+ ignores these code
# points, NTFS trailing dots and spaces, and `GIT~1` is the 8.3 short name of `.git`.
_IGNORABLE = dict.fromkeys(
    map(ord, "\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u206a\u206b\u206c\u206d\u206e\u206f\ufeff")
)
_SHORT_NAMES = ("git~1", "letta~1")


def protected_name(name: str) -> bool:
    """Is this path component `.git` or `.letta` as some filesystem may read it?"""
    folded = name.translate(_IGNORABLE).rstrip(". ").casefold()
    return folded in PROTECTED_NAMES or folded in _SHORT_NAMES


def _in_git_dir(base: str, parts: list[str]) -> bool:
    """Does a write to base/parts land in a folder that has (or, with this write, would
    have) two of HEAD, objects/ and refs/, i.e. a repository git would discover?"""
    folder = base
    for k, below in enumerate(parts):
        if k:
            folder = os.path.join(folder, parts[k - 1])
        present = {m.casefold() for m in GIT_DIR_MARKERS if os.path.lexists(os.path.join(folder, m))}
        if below.casefold() in ("head", "objects", "refs"):
            present.add(below.casefold())  # this write creates it
        if len(present) >= 2:
            return True
    return False


PLAN_MODE_REASON = (
    "Plan mode is on, so {what} is not allowed: only read-only exploration is possible while "
    "planning. Present your plan with the ExitPlanMode tool and wait for the user to approve it."
)


@dataclass(frozen=True)
class Decision:
    """What to do with one tool call, and why.

    `rule` is the rule that decided (None when the mode did). `suggestion` is the
    narrowest rule that would allow the call (for "allow always" and headless
    hints); `suggestions` lists all of them when a compound command needs several.
    """

    behavior: Behavior
    reason: str
    rule: str | None = None
    suggestion: str | None = None
    suggestions: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.behavior == "allow"


def allow(reason: str, rule: str | None = None) -> Decision:
    return Decision("allow", reason, rule)


def deny(reason: str, rule: str | None = None) -> Decision:
    return Decision("deny", reason, rule)


def ask(reason: str, suggestions: Iterable[str] = (), rule: str | None = None) -> Decision:
    unique = tuple(dict.fromkeys(s for s in suggestions if s))
    return Decision("ask", reason, rule, unique[0] if unique else None, unique)


class PermissionChecker:
    """Decides tool calls from a mode and allow / deny / ask rules."""

    def __init__(
        self,
        mode: PermissionMode | str = PermissionMode.DEFAULT,
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        ask: Iterable[str] = (),
        cwd: str | os.PathLike[str] | None = None,
        additional_dirs: Iterable[str | os.PathLike[str]] = (),
    ) -> None:
        self.mode = parse_mode(mode)
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        self.root = real_dir(self.cwd)
        self.workspace: tuple[str, ...] = (self.root, *(real_dir(d) for d in additional_dirs))
        # Where the next shell command starts (set it if the Bash tool keeps its cwd).
        self.shell_cwd: Path | None = None
        self.allow_rules: list[Rule] = [parse_rule(r) for r in allow]
        self.deny_rules: list[Rule] = [parse_rule(r) for r in deny]
        self.ask_rules: list[Rule] = [parse_rule(r) for r in ask]
        self.session_rules: list[Rule] = []

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

    @property
    def all_allow_rules(self) -> list[Rule]:
        return [*self.allow_rules, *self.session_rules]

    # -- entry point -------------------------------------------------------------------
    def check(self, tool_name: str, args: Mapping[str, Any] | None = None) -> Decision:
        """Decide one tool call."""
        arguments = dict(args or {})
        if tool_name == SHELL_TOOL:
            from letta_code.permissions.bash_check import check_bash

            return check_bash(self, arguments)
        return self._check_tool(tool_name, arguments)

    # -- helpers shared with bash_check -------------------------------------------------
    def resolve(self, path: str, base: str | os.PathLike[str] | None = None) -> ResolvedPath:
        return resolve_path(path, base if base is not None else self.cwd)

    def inside_workspace(self, target: ResolvedPath) -> bool:
        return inside_any(target, self.workspace)

    def is_protected(self, target: ResolvedPath) -> bool:
        """Is the path in `.git` / `.letta` (any case, HFS+/NTFS aliases) or in a folder
        that is, or is about to become, a git repository (HEAD, objects/, refs/)?"""
        for base in self.workspace:
            for path in (target.real, target.lexical):
                if path.startswith(base.rstrip(os.sep) + os.sep):
                    parts = path[len(base.rstrip(os.sep)) + 1 :].split(os.sep)
                    if any(protected_name(p) for p in parts):
                        return True
                    if _in_git_dir(base.rstrip(os.sep), parts):
                        return True
        return False

    def path_rule(self, rules: Iterable[Rule], tool: str, targets: list[ResolvedPath], *, broad: bool) -> Rule | None:
        """The first rule covering `tool` on `targets` (any target when broad, all when narrow)."""
        for rule in rules:
            if not rule.covers_tool(tool):
                continue
            if rule.kind == "tool":
                return rule
            if rule.path is None or not targets:
                continue
            hits = [rule.path.matches(t, self.root, broad=broad) for t in targets]
            if any(hits) if broad else all(hits):
                return rule
        return None

    def read_permitted(self, target: ResolvedPath) -> tuple[bool, Rule | None]:
        """May this path be read without asking (outside plan/bypass special cases)?"""
        rule = self.path_rule(self.all_allow_rules, "Read", [target], broad=False)
        if rule is not None:
            return True, rule
        return self.mode != PermissionMode.STRICT and self.inside_workspace(target), None

    def edit_permitted(self, target: ResolvedPath) -> tuple[bool, Rule | None]:
        """May this path be written without asking?"""
        rule = self.path_rule(self.all_allow_rules, "Write", [target], broad=False)
        if rule is not None:
            return True, rule
        ok = (
            self.mode == PermissionMode.ACCEPT_EDITS and self.inside_workspace(target) and not self.is_protected(target)
        )
        return ok, None

    def denied_by(self, tool_name: str, path: str | os.PathLike[str]) -> str | None:
        """The deny rule that forbids `tool_name` on `path`, if any.

        For tools that read many files at once (Grep over a folder, Glob): the
        harness can drop results whose files a deny rule covers (`Read(.env)`).
        """
        try:
            target = self.resolve(os.fspath(path))
        except ValueError:
            return None
        rule = self.path_rule(self.deny_rules, tool_name, [target], broad=True)
        return rule.text if rule is not None else None

    def display(self, target: ResolvedPath) -> str:
        return relative_display(target, self.root)

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
        if targets is None:  # a path that cannot be resolved may be one a rule covers
            unknown = f"cannot tell which files {tool} would touch, so the rule {{}} applies"
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
        suggestions = self._suggestions(tool, targets)
        if tool in PATH_TOOLS and targets is None:
            return ask(f"cannot tell which files {tool} would touch")
        assert targets is not None
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

    def _suggestions(self, tool: str, targets: list[ResolvedPath] | None) -> list[str]:
        if tool not in PATH_TOOLS:
            return [tool]
        if not targets:
            return []
        family = "Edit" if tool in EDIT_TOOLS else "Read"
        is_dir = tool in ("Grep", "Glob", "LS")
        return [path_rule_for(family, t, self.root, is_dir=is_dir) for t in targets]
