"""Deny and ask rules as hard walls for shell commands, whatever the mode or allow rules.

A deny rule must refuse every command that *might* match it, not only the ones
that visibly do. Three checks, applied before any mode or allow rule is looked at
(so `--yolo` and `--allowedTools Bash` cannot skip them):

- `word_path_rule`: every word of every program that may take file arguments is
  checked as a path (`cp .env x`, `base64 .env`, `--file=.env`), against the
  `Read(...)` and `Edit(...)` rules; a word known only at run time (`$F`, `$(...)`,
  a glob that cannot be expanded ahead of time) might name any path, so it counts
  as matching.
- `problem_rule`: a line the analyzer does not fully understand (`eval`, `$x -rf`,
  `x=rm; ...`, functions, unknown wrapper options, ...) might match any Bash rule
  and might touch any path, so any Bash or path rule counts as matching.
- expanded globs: the caller expands globs first (`expansion.expand_analysis`), so
  `/bin/r[m] -rf x` is judged as `/bin/rm -rf x`, and `.[e]nv` as `.env`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from letta_code.permissions.checker_base import CheckerBase
from letta_code.permissions.deep_reads import folder_rule
from letta_code.permissions.paths import ResolvedPath, expand_home
from letta_code.permissions.rules import Rule
from letta_code.permissions.words import ShellAnalysis, Word

# Programs whose arguments are never opened as files.
NO_FILE_ARGUMENTS: frozenset[str] = frozenset(
    {
        "echo",
        "printf",
        "true",
        "false",
        "pwd",
        "whoami",
        "id",
        "uname",
        "seq",
        "sleep",
        "basename",
        "dirname",
        "nproc",
        "arch",
        "which",
        "type",
        "groups",
        "hostname",
    }
)
_PATH_FAMILIES = ("Read", "Write")
# Programs that, given a folder, look at names only (git's content readers are
# judged by `deep_reads`); any other program given a folder may read all of it.
NAMES_ONLY: frozenset[str] = frozenset(
    {
        "ls",
        "find",
        "tree",
        "du",
        "df",
        "stat",
        "file",
        "mkdir",
        "rmdir",
        "cd",
        "test",
        "[",
        "realpath",
        "readlink",
        "touch",
        "chmod",
        "chown",
        "ln",
        "mv",
        "git",
        "rm",
    }
)
_PATHLIKE = re.compile(r"[A-Za-z0-9_./~+@%-]+")


def shell_relevant(rules: Iterable[Rule]) -> list[Rule]:
    """The rules a shell command can run into: Bash rules and file rules."""
    return [r for r in rules if r.covers_tool("Bash") or any(r.covers_tool(t) for t in _PATH_FAMILIES)]


def _path_rules(rules: Iterable[Rule]) -> list[Rule]:
    return [r for r in rules if any(r.covers_tool(t) for t in _PATH_FAMILIES)]


def problem_rule(rules: Iterable[Rule], analysis: ShellAnalysis) -> tuple[Rule, str] | None:
    """A rule the line might match because part of it cannot be read confidently."""
    if not analysis.problems:
        return None
    relevant = shell_relevant(rules)
    if not relevant:
        return None
    reason = f"the command cannot be checked against the rule {relevant[0].text}: {analysis.problems[0]}"
    return relevant[0], reason


def _candidates(word: Word) -> list[str]:
    """The paths a literal argument may name: itself, an `--opt=VALUE` value, the
    value glued to a short option (`-f.env`), and path-like tokens inside code
    (`print(open('.env').read())`)."""
    text = word.text
    out = [text]
    if "=" in text:
        out.append(text.split("=", 1)[1])
    if text.startswith("-") and not text.startswith("--") and len(text) > 2:
        out.append(text[2:])
    if not _PATHLIKE.fullmatch(text):
        out.extend(t for t in _PATHLIKE.findall(text) if "." in t or "/" in t)
    return list(dict.fromkeys(c for c in out if c))


def word_path_rule(
    checker: CheckerBase, analysis: ShellAnalysis, rules: Iterable[Rule], bases: tuple[str, ...]
) -> tuple[Rule, str] | None:
    """A file rule that a word of the line names, or might name."""
    rules = _path_rules(rules)
    if not rules:
        return None
    for command in analysis.commands:
        for form in (*command.forms, *command.hidden):
            program = form.program
            if program in NO_FILE_ARGUMENTS:
                continue
            if form.extra_args:
                return rules[0], (
                    f"`{form.text()}` gets more arguments when it runs, which may name a path "
                    f"of the rule {rules[0].text}"
                )
            for word in form.words[1:]:
                if word.kind == "glob":
                    continue  # an unexpanded reading kept for Bash rules; its expansion is checked
                found = _word_rule(checker, word, rules, bases, folders=program not in NAMES_ONLY)
                if found is not None:
                    return found[0], f"`{form.text()}` {found[1]}"
    for kind, targets in (("writes to", analysis.writes), ("reads", analysis.reads)):
        for word in targets:
            found = _word_rule(checker, word, rules, bases)
            if found is not None:
                return found[0], f"a redirection {kind} {found[1].removeprefix('names ')}"
    return None


def _word_rule(
    checker: CheckerBase,
    word: Word,
    rules: list[Rule],
    bases: tuple[str, ...],
    *,
    folders: bool = False,
) -> tuple[Rule, str] | None:
    """The rule a word names (or may name). With `folders`, a folder counts as every
    file below it (`tar -cf - .`, `cp -r . x`, `zip -r x src`)."""
    if not word.literal or (word.text.startswith("~") and expand_home(word.text).startswith("~")):
        return rules[
            0
        ], f"has a word known only when it runs ({word.text}), which may name a path of the rule {rules[0].text}"
    for text in _candidates(word):
        for base in bases:
            try:
                target = checker.resolve(text, base)
            except ValueError:
                return rules[
                    0
                ], f"names {text!r}, which cannot be resolved, so it may be a path of the rule {rules[0].text}"
            rule = _matching(checker, rules, target)
            if rule is not None:
                return rule, f"names {checker.display(target)}, covered by the rule {rule.text}"
            if folders and os.path.isdir(target.real):
                found = folder_rule(checker, rules, target, follow_links=True)
                if found is not None:
                    return found[0], (
                        f"may read everything in {checker.display(target)}, which holds "
                        f"{found[1]}, covered by the rule {found[0].text}"
                    )
    return None


def _matching(checker: CheckerBase, rules: list[Rule], target: ResolvedPath) -> Rule | None:
    for family in _PATH_FAMILIES:
        rule = checker.path_rule(rules, family, [target], broad=True)
        if rule is not None:
            return rule
    return None
