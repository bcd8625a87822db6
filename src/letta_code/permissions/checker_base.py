"""What every decision module needs from a checker: its mode, rules and workspace.

`CheckerBase` holds the state of a `checker.PermissionChecker` (mode, working
directory, workspace folders, allow / deny / ask and session rules) and the path
helpers the checker shares with the Bash analysis (`bash_check`, `deny_wall`,
`line_reads`, `deep_reads`): resolving paths, workspace containment, protected
folders (`.git`, `.letta`, would-be repositories) and rule matching on paths.
Those modules take a `CheckerBase`, so they never import the checker itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from letta_code.permissions.git_repo import GIT_DIR_MARKERS
from letta_code.permissions.modes import PermissionMode, parse_mode
from letta_code.permissions.paths import (
    ResolvedPath,
    inside_any,
    real_dir,
    relative_display,
    resolve_path,
)
from letta_code.permissions.rules import Rule, parse_rule

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


class CheckerBase:
    """A checker's mode, rules and workspace, and the path helpers built on them."""

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

    @property
    def all_allow_rules(self) -> list[Rule]:
        return [*self.allow_rules, *self.session_rules]

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
