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

from collections.abc import Iterable
from typing import TYPE_CHECKING

from letta_code.permissions.paths import ResolvedPath, expand_home
from letta_code.permissions.rules import Rule
from letta_code.permissions.words import CommandForm, ShellAnalysis, Word

if TYPE_CHECKING:
    from letta_code.permissions.checker import PermissionChecker

# Programs whose arguments are never opened as files.
NO_FILE_ARGUMENTS: frozenset[str] = frozenset(
    {
        "echo", "printf", "true", "false", "pwd", "whoami", "id", "uname", "seq", "sleep",
        "basename", "dirname", "nproc", "arch", "which", "type", "groups", "hostname",
    }
)
_PATH_FAMILIES = ("Read", "Write")


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
    reason = (
        f"the command cannot be checked against the rule {relevant[0].text}: "
        f"{analysis.problems[0]}"
    )
    return relevant[0], reason


def _candidates(word: Word) -> list[str]:
    """The paths a literal argument may name: itself, an `--opt=VALUE` value, and the
    value glued to a short option (`-f.env`)."""
    text = word.text
    out = [text]
    if "=" in text:
        out.append(text.split("=", 1)[1])
    if text.startswith("-") and not text.startswith("--") and len(text) > 2:
        out.append(text[2:])
    return [c for c in out if c]


def _program(form: CommandForm) -> str:
    head = form.words[0] if form.words else None
    if head is None or not head.literal:
        return ""
    return head.text.rsplit("/", 1)[-1]


def word_path_rule(
    checker: PermissionChecker, analysis: ShellAnalysis, rules: Iterable[Rule], bases: tuple[str, ...]
) -> tuple[Rule, str] | None:
    """A file rule that a word of the line names, or might name."""
    rules = _path_rules(rules)
    if not rules:
        return None
    for command in analysis.commands:
        for form in (*command.forms, *command.hidden):
            if _program(form) in NO_FILE_ARGUMENTS:
                continue
            for word in form.words[1:]:
                if word.kind == "glob":
                    continue  # an unexpanded reading kept for Bash rules; its expansion is checked
                found = _word_rule(checker, word, rules, bases)
                if found is not None:
                    return found[0], f"`{form.text()}` {found[1]}"
    for kind, targets in (("writes to", analysis.writes), ("reads", analysis.reads)):
        for word in targets:
            found = _word_rule(checker, word, rules, bases)
            if found is not None:
                return found[0], f"a redirection {kind} {found[1].removeprefix('names ')}"
    return None


def _word_rule(
    checker: PermissionChecker, word: Word, rules: list[Rule], bases: tuple[str, ...]
) -> tuple[Rule, str] | None:
    if not word.literal or (word.text.startswith("~") and expand_home(word.text).startswith("~")):
        return rules[0], f"has a word known only when it runs ({word.text}), which may name a path of the rule {rules[0].text}"
    for text in _candidates(word):
        for base in bases:
            try:
                target = checker.resolve(text, base)
            except ValueError:
                continue
            rule = _matching(checker, rules, target)
            if rule is not None:
                return rule, f"names {checker.display(target)}, covered by the rule {rule.text}"
    return None


def _matching(checker: PermissionChecker, rules: list[Rule], target: ResolvedPath) -> Rule | None:
    for family in _PATH_FAMILIES:
        rule = checker.path_rule(rules, family, [target], broad=True)
        if rule is not None:
            return rule
    return None
