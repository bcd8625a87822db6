"""A pure-Python directory walk that skips what ripgrep skips.

Used when `rg` cannot run. Like ripgrep (with `--hidden`): hidden files are
included, `.git` is not, symlinks are not followed, and ignore files are honoured:
`.gitignore` (and `.git/info/exclude`) inside a git repository, `.ignore` and
`.rgignore` anywhere, including those in parent directories of the search root.
Precedence follows ripgrep: `.rgignore` > `.ignore` > `.gitignore` > exclude, and
within one kind the deepest directory wins.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from letta_code.tools.globs import compile_glob

KINDS = ("rgignore", "ignore", "gitignore", "exclude")  # highest precedence first
_FILES = {".rgignore": "rgignore", ".ignore": "ignore", ".gitignore": "gitignore"}
SKIP_NAMES = {".git"}


@dataclass(frozen=True)
class Rule:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool


@dataclass(frozen=True)
class RuleFile:
    base: str  # directory the patterns are relative to
    rules: tuple[Rule, ...]


def parse_ignore(text: str) -> tuple[Rule, ...]:
    """Rules of one gitignore-format file, in file order."""
    rules: list[Rule] = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        if not line.endswith("\\ "):
            line = line.rstrip(" ")
        negate = line.startswith("!")
        if negate or line.startswith(("\\!", "\\#")):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        rules.append(Rule(compile_glob(line.lstrip("/")), negate, dir_only, anchored))
    return tuple(rules)


def _load(path: str, base: str) -> RuleFile | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            rules = parse_ignore(f.read())
    except OSError:
        return None
    return RuleFile(base, rules) if rules else None


def find_repo_root(start: str) -> str | None:
    d = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


class IgnoreStack:
    """The ignore rules in force in one directory."""

    def __init__(self, files: dict[str, tuple[RuleFile, ...]], in_repo: bool) -> None:
        self.files = files
        self.in_repo = in_repo

    @classmethod
    def for_root(cls, root: str) -> IgnoreStack:
        """Rules from the parents of `root` (not `root` itself: `enter` loads those)."""
        root = os.path.abspath(root)
        repo = find_repo_root(root)
        stack = cls({k: () for k in KINDS}, repo is not None)
        if repo is not None:
            exclude = _load(os.path.join(repo, ".git", "info", "exclude"), repo)
            if exclude:
                stack.files["exclude"] = (exclude,)
        parents: list[str] = []
        d = os.path.dirname(root)
        while True:
            parents.append(d)
            nxt = os.path.dirname(d)
            if nxt == d:
                break
            d = nxt
        for parent in reversed(parents):
            stack = stack.enter(parent, repo_floor=repo)
        return stack

    def enter(self, directory: str, repo_floor: str | None = None) -> IgnoreStack:
        """The stack for `directory`: this one plus the ignore files found there."""
        added: dict[str, list[RuleFile]] = {}
        for name, kind in _FILES.items():
            if kind == "gitignore":
                if not self.in_repo:
                    continue
                if repo_floor is not None and not (
                    directory == repo_floor or directory.startswith(repo_floor + os.sep)
                ):
                    continue  # above the repository: its .gitignore files don't apply
            loaded = _load(os.path.join(directory, name), directory)
            if loaded:
                added.setdefault(kind, []).append(loaded)
        if not added:
            return self
        files = dict(self.files)
        for kind, extra in added.items():
            files[kind] = files[kind] + tuple(extra)
        return IgnoreStack(files, self.in_repo)

    def ignored(self, path: str, is_dir: bool) -> bool:
        name = os.path.basename(path)
        for kind in KINDS:
            for rf in reversed(self.files[kind]):
                if not path.startswith(rf.base):
                    continue
                rel = path[len(rf.base) :].lstrip(os.sep).replace(os.sep, "/")
                for rule in reversed(rf.rules):
                    if rule.dir_only and not is_dir:
                        continue
                    if rule.regex.fullmatch(rel if rule.anchored else name):
                        return not rule.negate
        return False


def walk_files(root: str, override: Callable[[str, bool], bool | None] | None = None) -> Iterator[str]:
    """Absolute paths of the files under `root` that ripgrep would search, in name order.

    `override(path, is_dir)` (ripgrep's `--glob`) is asked first: True includes the
    entry whatever the ignore files say, False leaves it out, None defers to them.
    A `root` that is a file is yielded as is: ripgrep searches files given explicitly.
    """
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        if os.path.isfile(root):
            yield root
        return
    todo: list[tuple[str, IgnoreStack]] = [(root, IgnoreStack.for_root(root).enter(root))]
    while todo:
        directory, stack = todo.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs: list[tuple[str, IgnoreStack]] = []
        for entry in entries:
            if entry.name in SKIP_NAMES or entry.is_symlink():
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            decided = override(entry.path, is_dir) if override else None
            if decided is False or (decided is None and stack.ignored(entry.path, is_dir)):
                continue
            if is_dir:
                subdirs.append((entry.path, stack.enter(entry.path)))
            elif entry.is_file(follow_symlinks=False):
                yield entry.path
        todo.extend(reversed(subdirs))
