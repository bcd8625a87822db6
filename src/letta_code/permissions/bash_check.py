"""Decisions for the Bash tool.

A command line is split into simple commands (`shell.analyze`). It is denied if
a deny rule matches any part (also through wrappers such as `sudo` or `bash
-c`), asks if an ask rule matches any part, and is allowed only when *every*
simple command is allowed (by an allow rule, or by being read-only inside the
working directory) and every file a redirection writes may be edited. Anything
that cannot be analysed with confidence asks.

Globs are expanded against the filesystem first, as bash would expand them at
this moment (`expansion`), so expanded names are judged as the options and paths
they are. Deny and ask rules are walls (`deny_wall`): they see every word that
may name a file and refuse what cannot be read confidently, before the mode or
any allow rule is consulted.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from letta_code.permissions.checker_base import CheckerBase
from letta_code.permissions.decision import PLAN_MODE_REASON, Decision, allow, ask, deny
from letta_code.permissions.deny_wall import problem_rule, word_path_rule
from letta_code.permissions.expansion import expand_analysis, has_globs
from letta_code.permissions.line_reads import gather, git_problem, outside_links, rule_for
from letta_code.permissions.modes import PermissionMode
from letta_code.permissions.paths import ResolvedPath, expand_home, real_dir
from letta_code.permissions.readonly import ReadOnlyInfo, read_only_info
from letta_code.permissions.rules import Rule
from letta_code.permissions.shell import ShellAnalysis, SimpleCommand, analyze
from letta_code.permissions.suggest import bash_rule_for, path_rule_for
from letta_code.permissions.words import CommandForm, Word, match_words


def _read_only(command: SimpleCommand) -> ReadOnlyInfo | None:
    form = command.effective
    if not form.allowable:
        return None  # e.g. `sudo cat x`: not read-only, whatever `cat` does
    return read_only_info(form.words, extra_args=form.extra_args)


def _resolve_words(checker: CheckerBase, words: Iterable[Word], bases: tuple[str, ...]) -> list[ResolvedPath] | None:
    """Every path the words may name, from every folder the command may run in
    (None when that cannot be known)."""
    try:
        return _resolve_all(checker, words, bases)
    except ValueError:
        return None


def _resolve_all(checker: CheckerBase, words: Iterable[Word], bases: tuple[str, ...]) -> list[ResolvedPath] | None:
    out: list[ResolvedPath] = []
    for word in words:
        if word.text.startswith("~") and expand_home(word.text).startswith("~"):
            return None  # `~-` (OLDPWD), `~+`, `~nosuchuser`: the shell decides
        for base in bases:
            if word.kind == "literal":
                out.append(checker.resolve(word.text, base))
            else:
                return None
    return out


def _bases(checker: CheckerBase, infos: list[ReadOnlyInfo | None]) -> tuple[str, ...]:
    """The starting folder plus every folder a `cd` in the line may switch to."""
    bases = [real_dir(checker.shell_cwd or checker.cwd)]
    for info in infos:
        if info is None or info.cd_target is None or not info.cd_target.literal:
            continue
        for base in list(bases):
            try:
                target = checker.resolve(info.cd_target.text, base).real
            except ValueError:
                continue  # the `cd` itself then cannot be resolved either, so it asks
            if target not in bases:
                bases.append(target)
    return tuple(bases)


def _deny_forms(command: SimpleCommand) -> list[CommandForm]:
    """Every reading deny and ask rules look at: the forms, the hidden ones, and each
    with the program's path dropped (`/usr/bin/rm` read as `rm`)."""
    forms = [*command.forms, *command.hidden]
    forms.extend(f for f in (form.with_basename() for form in list(forms)) if f is not None)
    return forms


def _bash_rule(rules: Iterable[Rule], analysis: ShellAnalysis) -> tuple[Rule, str] | None:
    """The first deny/ask rule matching any part of the line (broad matching)."""
    rules = [r for r in rules if r.covers_tool("Bash")]
    for rule in rules:
        if rule.kind == "tool":
            return rule, analysis.command
    for command in analysis.commands:
        for form in _deny_forms(command):
            for rule in rules:
                if match_words(rule.words, form, prefix=rule.kind == "prefix", broad=True):
                    return rule, form.text()
    return None


def _allow_rule(rules: Iterable[Rule], command: SimpleCommand) -> Rule | None:
    for form in command.forms:
        if not form.allowable:
            continue
        for rule in rules:
            if (
                rule.covers_tool("Bash")
                and rule.kind in ("exact", "prefix")
                and match_words(rule.words, form, prefix=rule.kind == "prefix", broad=False)
            ):
                return rule
    return None


class _Line:
    """Everything the decision needs to know about one command line."""

    def __init__(self, checker: CheckerBase, analysis: ShellAnalysis) -> None:
        self.analysis = analysis
        infos = [_read_only(c) for c in analysis.commands]
        bases = _bases(checker, infos)
        # A git command whose repository may run programs is neither read-only nor allowable.
        self.git_problems = [git_problem(checker, analysis, i, infos, bases) for i in range(len(infos))]
        self.infos = [None if p is not None else i for i, p in zip(infos, self.git_problems, strict=True)]
        bases = _bases(checker, self.infos)
        self.extra = gather(checker, analysis, self.infos, bases, self.git_problems)
        self.read_paths: list[list[ResolvedPath] | None] = [
            _resolve_words(checker, info.paths, bases) if info is not None else None for info in self.infos
        ]
        self.writes = [(w, _resolve_words(checker, [w], bases)) for w in analysis.writes]
        self.reads = [(w, _resolve_words(checker, [w], bases)) for w in analysis.reads]

    def read_only(self) -> bool:
        return self.analysis.parseable and not self.writes and all(i is not None for i in self.infos)

    def all_reads(self) -> list[ResolvedPath]:
        out = [p for paths in self.read_paths if paths for p in paths]
        return out + [p for _, paths in self.reads if paths for p in paths]

    def all_writes(self) -> list[ResolvedPath]:
        return [p for _, paths in self.writes if paths for p in paths]


def _rule_decision(checker: CheckerBase, line: _Line, rules: list[Rule], verb: str) -> tuple[Rule, str] | None:
    found = _bash_rule(rules, line.analysis)
    if found is not None:
        return found[0], f"`{found[1]}` is {verb} by the rule {found[0].text}"
    for tool, targets, what in (("Write", line.all_writes(), "writes"), ("Read", line.all_reads(), "reads")):
        for target in targets:
            rule = checker.path_rule(rules, tool, [target], broad=True)
            if rule is not None:
                return rule, f"the command {what} {checker.display(target)}, {verb} by the rule {rule.text}"
    return rule_for(checker, line.extra, rules, verb)


def _ask_rule(reason: str, rule: str) -> Decision:
    return ask(reason, rule=rule)


def _line(checker: CheckerBase, raw: ShellAnalysis) -> _Line:
    """The line with its globs expanded as bash would expand them now. The expansion
    is exact only when nothing in the line can change the folder's contents first:
    a single simple command, or a line whose every part is read-only."""
    base = real_dir(checker.shell_cwd or checker.cwd)
    line = _Line(checker, expand_analysis(raw, base, trusted=True))
    if len(raw.commands) > 1 and has_globs(raw) and not line.read_only():
        line = _Line(checker, expand_analysis(raw, base, trusted=False))
    return line


def check_bash(checker: CheckerBase, args: dict[str, Any]) -> Decision:
    """Decide a Bash call (see the module docstring)."""
    command = args.get("command")
    if not isinstance(command, str) or not command.strip():
        return ask("the Bash call has no command")
    line = _line(checker, analyze(command))
    analysis = line.analysis
    bases = _bases(checker, line.infos)
    mode = checker.mode

    for rules, verb, decide in (
        (checker.deny_rules, "denied", deny),
        (checker.ask_rules, "sent for approval", _ask_rule),
    ):
        found = (
            _rule_decision(checker, line, rules, verb)
            or word_path_rule(checker, analysis, rules, bases)
            or problem_rule(rules, analysis)
        )
        if found is not None:
            return decide(found[1], found[0].text)
    if mode == PermissionMode.PLAN and not line.read_only():
        return deny(PLAN_MODE_REASON.format(what="this shell command (it is not read-only)"))
    if mode == PermissionMode.BYPASS_PERMISSIONS:
        return allow("bypassPermissions mode allows every call that no rule denies")
    for rule in checker.all_allow_rules:
        if rule.covers_tool("Bash") and rule.kind == "tool":
            return allow(f"allowed by the rule {rule.text}", rule.text)
    if analysis.problems:
        return ask(f"the command cannot be checked safely: {analysis.problems[0]}")
    return _decide_parts(checker, line)


def _decide_parts(checker: CheckerBase, line: _Line) -> Decision:
    strict = checker.mode == PermissionMode.STRICT
    blockers: list[str] = []
    suggestions: list[str | None] = []
    used: list[str] = []
    for index, (command, info, paths) in enumerate(
        zip(line.analysis.commands, line.infos, line.read_paths, strict=True)
    ):
        problem = line.git_problems[index]
        if problem is not None:
            blockers.append(f"`{command.effective.text()}`: {problem}")
            continue
        rule = _allow_rule(checker.all_allow_rules, command)
        if rule is not None:
            used.append(rule.text)
            continue
        if not strict and info is not None and paths is not None:
            linked = outside_links(checker, line.extra, index)
            if linked is None:
                blockers.append(f"`{command.effective.text()}` follows symlinks through too many files to check")
                continue
            outside = [p for p in [*paths, *linked] if not checker.read_permitted(p)[0]]
            if not outside:
                continue
            shown = ", ".join(dict.fromkeys(checker.display(p) for p in outside))
            blockers.append(f"`{command.effective.text()}` reads outside the working directory ({shown})")
            suggestions.extend(path_rule_for("Read", p, checker.root, is_dir=os.path.isdir(p.real)) for p in outside)
            continue
        blockers.append(f"`{command.effective.text()}`")
        suggestions.append(bash_rule_for(command))
    for word, targets in line.writes:
        if targets is None:
            blockers.append(f"a redirection writes to {word.text}, which is only known when it runs")
            continue
        for target in targets:
            ok, rule = checker.edit_permitted(target)
            if rule is not None:
                used.append(rule.text)
            if not ok:
                blockers.append(f"a redirection writes to {checker.display(target)}")
                suggestions.append(path_rule_for("Edit", target, checker.root, is_dir=False))
    for word, targets in line.reads:
        if targets is None:
            blockers.append(f"a redirection reads {word.text}, which is only known when it runs")
            continue
        for target in targets:
            ok, rule = checker.read_permitted(target)
            if not ok:
                blockers.append(f"a redirection reads {checker.display(target)}")
                suggestions.append(path_rule_for("Read", target, checker.root, is_dir=False))
    if blockers:
        prefix = "strict mode: " if strict else ""
        return ask(prefix + "needs approval: " + "; ".join(blockers), [s for s in suggestions if s])
    if used:
        return allow(f"allowed by the rule {used[0]}" + (" (and others)" if len(set(used)) > 1 else ""), used[0])
    return allow("read-only command inside the working directory")
