"""Concrete paths for the Bash sandbox: deny rules and protected names turned into files on disk.

The sandbox mounts paths, not patterns, so at session start this module finds:

- `read_masked`: existing paths covered by a `Read`/`Grep`/`Glob`/`LS` deny rule
  (the sandbox shows them as an empty file or folder);
- `write_protected`: paths inside the workspace that stay read-only even though the
  workspace is writable: each `.git`'s `config`, `config.worktree` and `hooks` (of
  nested repos and submodules too, and the `.git` file of a worktree), the config and
  hooks of a bare repository lying in the workspace, every `.letta` folder, and paths
  covered by an `Edit`/`Write` deny rule. A repository's `hooks` folder is listed
  even when missing, so that no hook can be planted there.

Name patterns (`.env`, `*.key`) are matched during one breadth-first walk of the
workspace (symlinks are not followed into, but a symlink that matches masks its
target). Patterns anchored at the root, home or `/` start from their literal prefix
(`~/.ssh/**` masks `~/.ssh` itself). The walk is bounded (`max_entries`); what lies
beyond the bound, or appears after start-up, is left to the permission analyzer —
`complete` says whether the walk saw everything.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from letta_code.permissions.categories import EDIT_TOOLS, FILE_READ_TOOLS
from letta_code.permissions.git_repo import GIT_DIR_MARKERS
from letta_code.permissions.paths import PathPattern, ResolvedPath, compile_glob, real_dir
from letta_code.permissions.rules import Rule

MAX_ENTRIES = 50_000
MAX_PATHS = 2_000
_GLOB = re.compile(r"[*?\[\\]")
_GIT_PROTECTED = ("config", "config.worktree", "hooks")


@dataclass(frozen=True)
class SandboxPaths:
    """What the sandbox masks and keeps read-only (absolute real paths)."""

    read_masked: tuple[str, ...]
    write_protected: tuple[str, ...]
    complete: bool = True


@dataclass
class _Found:
    workspace: tuple[str, ...]
    max_entries: int
    masked: dict[str, None] = field(default_factory=dict)
    protected: dict[str, None] = field(default_factory=dict)
    seen: int = 0

    def budget_left(self) -> bool:
        self.seen += 1
        return self.seen <= self.max_entries

    def mask(self, path: str) -> None:
        real = os.path.realpath(path)
        # A mask over a folder holding the workspace would hide the project itself.
        if any(w == real or w.startswith(real.rstrip(os.sep) + os.sep) for w in self.workspace):
            return
        if len(self.masked) < MAX_PATHS:
            self.masked.setdefault(real, None)

    def protect(self, path: str, *, even_missing: bool = False) -> None:
        if len(self.protected) < MAX_PATHS and (even_missing or os.path.lexists(path)):
            self.protected.setdefault(os.path.realpath(path), None)


def _patterns(rules: Iterable[Rule], tools: frozenset[str]) -> list[PathPattern]:
    return [r.path for r in rules if r.tool in tools and r.kind == "path" and r.path is not None]


def _static_prefix(body: str) -> tuple[str, str]:
    """`a/b/*.py` -> (`a/b`, `*.py`): the literal folders, then the rest of the pattern."""
    parts = body.split("/")
    for i, part in enumerate(parts):
        if _GLOB.search(part):
            return "/".join(parts[:i]), "/".join(parts[i:])
    return body, ""


def _bases(pattern: PathPattern, root: str) -> list[str]:
    if pattern.anchor == "absolute":
        return [os.sep]
    if pattern.anchor == "home":
        home = os.path.expanduser("~")
        return list(dict.fromkeys([real_dir(home), os.path.abspath(home)]))
    return [root, os.sep] if pattern.leading_slash else [root]


def _target(path: str, is_link: bool) -> ResolvedPath:
    return ResolvedPath(given=path, lexical=path, real=os.path.realpath(path) if is_link else path)


def _walk(start: str, found: _Found, visit: Callable[[os.DirEntry[str], set[str]], bool]) -> None:
    """Breadth-first under `start`: `visit(entry, names in its folder)` says whether to descend."""
    queue = deque([start])
    while queue:
        folder = queue.popleft()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        names = {e.name for e in entries}
        for entry in entries:
            if not found.budget_left():
                return
            try:
                descend = visit(entry, names)
            except OSError:  # an entry we may not look at (e.g. a link into /proc): skip it
                continue
            if descend:
                queue.append(entry.path)


def _anchored(patterns: list[PathPattern], root: str, found: _Found, record: Callable[[str], None]) -> None:
    """Paths of patterns anchored at the root, home or `/`, found from their literal prefix."""
    for pattern in patterns:
        if pattern.anchor == "anywhere":
            continue
        static, rest = _static_prefix(pattern.body)
        for base in _bases(pattern, root):
            start = os.path.join(base, static) if static else base
            if not os.path.lexists(start):
                continue
            if rest in ("", "**"):
                with contextlib.suppress(OSError):
                    record(start)
                continue

            def visit(entry: os.DirEntry[str], _names: set[str], pattern: PathPattern = pattern) -> bool:
                if pattern.matches(_target(entry.path, entry.is_symlink()), root, broad=True):
                    record(entry.path)
                    return False
                return entry.is_dir(follow_symlinks=False)

            _walk(start, found, visit)


def _protect_git(entry: os.DirEntry[str], found: _Found) -> None:
    """A repository's config and hooks (and those of its submodules and worktrees)."""
    if not entry.is_dir(follow_symlinks=False):
        found.protect(entry.path)  # `.git` file of a worktree/submodule: keep it pointing where it does
        try:
            with open(entry.path, encoding="utf-8", errors="replace") as handle:
                line = handle.readline().strip()
        except OSError:
            return
        if line.startswith("gitdir:"):
            gitdir = os.path.join(os.path.dirname(entry.path), line[len("gitdir:") :].strip())
            for name in _GIT_PROTECTED:
                found.protect(os.path.join(gitdir, name))
        return
    for name in _GIT_PROTECTED:
        # A missing `hooks` is covered too (the sandbox puts an empty read-only folder there).
        found.protect(os.path.join(entry.path, name), even_missing=name == "hooks")

    def visit(item: os.DirEntry[str], _names: set[str]) -> bool:
        if item.name in _GIT_PROTECTED:
            found.protect(item.path)
            return False
        return item.name not in ("objects", "refs", "logs") and item.is_dir(follow_symlinks=False)

    for sub in ("modules", "worktrees"):
        start = os.path.join(entry.path, sub)
        if os.path.isdir(start):
            _walk(start, found, visit)


def _matcher(patterns: list[PathPattern], root: str) -> Callable[[os.DirEntry[str]], bool]:
    """Does an entry of the walk match one of `patterns`? Name patterns test just the name:
    the walk stops at a match, so no parent of the entry matched."""
    names = [compile_glob(p.body, True) for p in patterns if p.anchor == "anywhere"]
    others = [p for p in patterns if p.anchor != "anywhere"]

    def matches(entry: os.DirEntry[str]) -> bool:
        if entry.is_symlink():
            target = _target(entry.path, True)
            return any(p.matches(target, root, broad=True) for p in patterns)
        if any(n.fullmatch(entry.name) for n in names):
            return True
        if not others:
            return False
        target = _target(entry.path, False)
        return any(p.matches(target, root, broad=True) for p in others)

    return matches


def _workspace(folder: str, root: str, reads: list[PathPattern], edits: list[PathPattern], found: _Found) -> None:
    read_denied, edit_denied = _matcher(reads, root), _matcher(edits, root)

    def visit(entry: os.DirEntry[str], names: set[str]) -> bool:
        lowered = entry.name.lower()
        if read_denied(entry):
            found.mask(entry.path)
            return False
        if lowered == ".git":
            _protect_git(entry, found)
            return False
        if lowered == ".letta" or edit_denied(entry):
            found.protect(entry.path)  # and look inside for files to mask
        elif entry.name in GIT_DIR_MARKERS and names >= GIT_DIR_MARKERS:
            for name in _GIT_PROTECTED:
                found.protect(os.path.join(os.path.dirname(entry.path), name))
        return entry.is_dir(follow_symlinks=False)

    _walk(folder, found, visit)


def sandbox_paths(
    deny_rules: Sequence[Rule], workspace: Sequence[str], *, max_entries: int = MAX_ENTRIES
) -> SandboxPaths:
    """The paths to mask and to keep read-only for these deny rules in this workspace.

    `workspace` holds the project root first (the anchor of `/src/**`-style patterns),
    then any additional working folders.
    """
    folders = tuple(real_dir(w) for w in workspace)
    root = folders[0]
    found = _Found(folders, max_entries)
    reads = _patterns(deny_rules, FILE_READ_TOOLS)
    edits = _patterns(deny_rules, EDIT_TOOLS)
    _anchored(reads, root, found, found.mask)
    _anchored(edits, root, found, found.protect)
    for folder in folders:
        _workspace(folder, root, reads, edits, found)
    complete = found.seen <= max_entries
    return SandboxPaths(tuple(found.masked), tuple(found.protected), complete)
