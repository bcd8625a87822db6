"""Commands that read more than the paths they name: recursive readers and git's object store.

A `Read(...)` rule is about files, but `grep -r KEY src`, `rg KEY`, `diff -r a b`
or `git grep --no-index` name only a folder, and `git show HEAD:.env`, `git log
-p` or `git grep` print files from history or the index. So:

- a recursive read of folder D matches a rule when any file or folder under D
  (walked now, following symlinks when the command does) matches it; when the
  walk is too big to finish, it is assumed to match;
- a git command that can print file contents matches a rule when the rule
  matches any path in the repository's index or reachable history
  (`git_history`), or a path in its `rev:path` / `:path` arguments; raw object
  ids, objects named at run time, another repository (`--git-dir`), `-c` (which
  can run anything) or an unfinished scan match every `Read(...)` rule.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

from letta_code.permissions.checker_base import CheckerBase
from letta_code.permissions.git_history import history_paths
from letta_code.permissions.git_readonly import GitUse, raw_ids
from letta_code.permissions.git_repo import find_repo
from letta_code.permissions.paths import ResolvedPath
from letta_code.permissions.rules import Rule

_MAX_ENTRIES = 20000
_MAX_SECONDS = 1.0


def walk(folder: ResolvedPath, *, follow_links: bool) -> tuple[list[ResolvedPath], bool]:
    """Everything under `folder` (lexical and real forms), and whether the walk finished
    (it has not when something in it cannot be looked at, e.g. `/proc/1/cwd`)."""
    out: list[ResolvedPath] = []
    try:
        return _walk(folder, follow_links, out)
    except OSError:
        return out, False


def _walk(folder: ResolvedPath, follow_links: bool, out: list[ResolvedPath]) -> tuple[list[ResolvedPath], bool]:
    if not os.path.isdir(folder.real):
        return out, True
    deadline = time.monotonic() + _MAX_SECONDS
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder.real, followlinks=follow_links):
        real_dir = os.path.realpath(dirpath)
        if real_dir in seen:
            dirnames[:] = []
            continue
        seen.add(real_dir)
        rel_dir = os.path.relpath(dirpath, folder.real)
        for name in (*dirnames, *filenames):
            real = os.path.join(real_dir, name)
            if os.path.islink(real):
                if not follow_links:
                    continue  # not read by this command
                real = os.path.realpath(real)
            lexical = os.path.normpath(os.path.join(folder.lexical, rel_dir, name))
            out.append(ResolvedPath(given=lexical, lexical=lexical, real=real))
        if len(out) > _MAX_ENTRIES or time.monotonic() > deadline:
            return out, False
    return out, True


def _read_rules(rules: Iterable[Rule]) -> list[Rule]:
    return [r for r in rules if r.covers_tool("Read") and (r.kind == "tool" or r.path is not None)]


def folder_rule(
    checker: CheckerBase, rules: Iterable[Rule], folder: ResolvedPath, follow_links: bool
) -> tuple[Rule, str] | None:
    """The first `Read(...)` rule matching something a recursive read of `folder` reads."""
    read_rules = _read_rules(rules)
    if not read_rules:
        return None
    rule = checker.path_rule(read_rules, "Read", [folder], broad=True)
    if rule is not None:
        return rule, checker.display(folder)
    entries, complete = walk(folder, follow_links=follow_links)
    for entry in entries:
        rule = checker.path_rule(read_rules, "Read", [entry], broad=True)
        if rule is not None:
            return rule, checker.display(entry)
    if not complete:
        return read_rules[0], f"{checker.display(folder)} (too many files to check)"
    return None


def _object_paths(text: str) -> list[str]:
    """`HEAD:a/b`, `:a/b`, `:2:a/b`, `@{1 day ago}:a`: every text after a colon."""
    return [text[i + 1 :] for i, c in enumerate(text) if c == ":" and text[i + 1 :]]


def git_rule(
    checker: CheckerBase, rules: Iterable[Rule], use: GitUse, bases: tuple[str, ...]
) -> tuple[Rule, str] | None:
    """The first `Read(...)` rule a git command may break by printing from the object store."""
    read_rules = _read_rules(rules)
    if not read_rules:
        return None
    first = read_rules[0]
    if use.programs:
        return first, "git is run with options that can make it run other programs"
    if use.other_repo or use.unknown_objects:
        return first, "git reads objects or a repository only known when it runs"
    starts = git_starts(checker, use, bases)
    if starts is None:
        return first, "git runs in a folder only known when it runs"
    for text in use.objects:
        if raw_ids(text.split(":", 1)[0]):
            return first, f"git may show the object {text} (a raw object id may be any file)"
        for rel in _object_paths(text):
            targets: list[ResolvedPath] = []
            for start in starts:
                repo = find_repo(start)
                roots = [start] + ([repo.work_tree] if repo is not None and repo.work_tree else [])
                targets.extend(checker.resolve(rel.lstrip("/") or ".", root) for root in roots)
            rule = checker.path_rule(read_rules, "Read", targets, broad=True)
            if rule is not None:
                return rule, f"git may show {text}"
    if not use.content:
        return None
    for start in starts:
        repo = find_repo(start)
        if repo is None:
            return first, "git runs outside a repository (it then reads the files it is given)"
        paths = history_paths(repo)
        if paths is None:
            return first, "git may show any file of a history that could not be checked in time"
        root = repo.work_tree or repo.git_dir
        for rel in paths:
            full = os.path.join(root, rel)
            target = ResolvedPath(given=rel, lexical=full, real=full)
            rule = checker.path_rule(read_rules, "Read", [target], broad=True)
            if rule is not None:
                return rule, f"git may show {checker.display(target)} from its index or history"
    return None


def git_starts(checker: CheckerBase, use: GitUse, bases: tuple[str, ...]) -> list[str] | None:
    """The folders git starts its repository discovery from (None when unknown)."""
    starts = list(bases)
    for word in use.repo_dirs:
        if not word.literal:
            return None
        try:
            starts = [checker.resolve(word.text, b).real for b in starts] if word.text else starts
        except ValueError:
            return None
    return starts
