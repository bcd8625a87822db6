"""What a command line reads beyond the paths it names, and when its git commands are unsafe.

Used by `bash_check._Line` (one instance per checked line):

- `LineReads` gathers, per simple command, the folders it reads deeply, how it
  uses git, and (for commands that are not read-only) the files it may still
  read; `rule_for` matches all of that against deny or ask rules (`deep_reads`).
- `git_problem` says why a git command cannot be trusted to run only git: the
  repository found from the folder it runs in is configured to run programs
  (`git_repo`), or the same line may write such a configuration first (a
  redirection or an argument naming `config`, `HEAD`, a `.git` folder, ...).
  Such a command is not read-only, no allow rule covers it, and with any deny
  or ask rule about Bash or files it is refused (the program git would run might
  match the rule).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from letta_code.permissions.checker_base import CheckerBase
from letta_code.permissions.deep_reads import folder_rule, git_rule, git_starts, walk
from letta_code.permissions.deny_wall import shell_relevant
from letta_code.permissions.git_readonly import GitUse, git_possible
from letta_code.permissions.git_repo import repo_safe
from letta_code.permissions.paths import ResolvedPath
from letta_code.permissions.readonly import ReadOnlyInfo, possible_reads
from letta_code.permissions.rules import Rule
from letta_code.permissions.words import ShellAnalysis, SimpleCommand, Word

# Names that, written by the same line, may turn a folder into a repository or change its config.
_GIT_FILES = frozenset({"config", "config.worktree", "head", "commondir", "gitdir", ".git", "objects", "refs"})


def is_git(command: SimpleCommand) -> bool:
    return any(f.program == "git" for f in (*command.forms, *command.hidden))


def _git_args(command: SimpleCommand) -> tuple[Word, ...]:
    for form in reversed(command.forms):
        if form.program == "git":
            return form.words[1:]
    return ()


def _names_git_file(checker: CheckerBase, word: Word, bases: tuple[str, ...]) -> bool:
    if not word.literal:
        return False
    names = [p.casefold() for p in word.text.replace("=", "/").split("/")]
    if any(n in _GIT_FILES for n in names):
        return True
    for base in bases:
        try:
            if checker.is_protected(checker.resolve(word.text, base)):
                return True
        except ValueError:
            continue
    return False


def git_problem(
    checker: CheckerBase,
    analysis: ShellAnalysis,
    index: int,
    infos: list[ReadOnlyInfo | None],
    bases: tuple[str, ...],
) -> str | None:
    """Why the git command at `index` may run more than git (None when it may not)."""
    command = analysis.commands[index]
    if not is_git(command):
        return None
    info = infos[index]
    use = info.git if info is not None and info.git is not None else git_possible(_git_args(command))
    starts = git_starts(checker, use, bases)
    if starts is None:
        return "git runs in a folder only known when it runs"
    for start in starts:
        if not repo_safe(start):
            return f"the git repository found from {checker.display(checker.resolve(start))} is configured to run programs (or cannot be checked)"
    if "GIT_" in analysis.command:
        return "the line may set git's environment (GIT_DIR, GIT_CONFIG_*, ...)"
    for other, other_info in zip(analysis.commands, infos, strict=True):
        words = other.effective.words
        if other_info is None and words and words[0].text in ("cd", "pushd", "popd"):
            return f"`{other.effective.text()}` changes to a folder that cannot be followed"
    for word in analysis.writes:
        if not word.literal or _names_git_file(checker, word, bases):
            return f"the line writes {word.text}, which may change what git runs"
    for other, other_info in zip(analysis.commands, infos, strict=True):
        if other is command or other_info is not None:
            continue
        if any(_names_git_file(checker, w, bases) for w in other.effective.words[1:]):
            return f"`{other.effective.text()}` may change what git runs"
    return None


@dataclass
class LineReads:
    """Per simple command: deep folders (with follow-symlinks), git use, possible reads."""

    deep: list[tuple[list[ResolvedPath] | None, bool]] = field(default_factory=list)
    git: list[GitUse | None] = field(default_factory=list)
    possible: list[list[ResolvedPath]] = field(default_factory=list)
    git_problems: list[str | None] = field(default_factory=list)
    bases: tuple[str, ...] = ()


def gather(
    checker: CheckerBase,
    analysis: ShellAnalysis,
    infos: list[ReadOnlyInfo | None],
    bases: tuple[str, ...],
    git_problems: list[str | None],
) -> LineReads:
    out = LineReads(git_problems=git_problems, bases=bases)
    for command, info in zip(analysis.commands, infos, strict=True):
        if info is not None:
            out.deep.append((_resolve(checker, info.deep, bases), info.follows_links))
            out.git.append(info.git)
            out.possible.append([])
            continue
        possible = possible_reads(command.effective.words)
        git = (
            possible.git
            if possible.git is not None
            else (git_possible(_git_args(command)) if is_git(command) else None)
        )
        out.deep.append((_resolve(checker, possible.deep, bases), True))
        out.git.append(git)
        out.possible.append(_resolve(checker, possible.paths, bases) or [])
    return out


def _resolve(checker: CheckerBase, words: tuple[Word, ...], bases: tuple[str, ...]) -> list[ResolvedPath] | None:
    out: list[ResolvedPath] = []
    for word in words:
        if not word.literal:
            return None
        for base in bases:
            try:
                out.append(checker.resolve(word.text, base))
            except ValueError:
                return None
    return out


def rule_for(checker: CheckerBase, reads: LineReads, rules: list[Rule], verb: str) -> tuple[Rule, str] | None:
    """The first rule the line's deep reads, git use or unsafe git commands run into."""
    relevant = shell_relevant(rules)
    if not relevant:
        return None
    for problem in reads.git_problems:
        if problem is not None:
            return relevant[0], f"{problem}, so it might break the rule {relevant[0].text}"
    for paths in reads.possible:
        for target in paths:
            rule = checker.path_rule(rules, "Read", [target], broad=True)
            if rule is not None:
                return rule, f"the command may read {checker.display(target)}, {verb} by the rule {rule.text}"
    for folders, follow in reads.deep:
        if folders is None:
            found = next((r for r in rules if r.covers_tool("Read")), None)
            if found is not None:
                return found, f"the command reads a folder only known when it runs, {verb} by the rule {found.text}"
            continue
        for folder in folders:
            hit = folder_rule(checker, rules, folder, follow)
            if hit is not None:
                return (
                    hit[0],
                    f"the command reads the files under {checker.display(folder)}, including {hit[1]}, {verb} by the rule {hit[0].text}",
                )
    for use in reads.git:
        if use is None:
            continue
        hit = git_rule(checker, rules, use, reads.bases)
        if hit is not None:
            return hit[0], f"{hit[1]}, {verb} by the rule {hit[0].text}"
    return None


def outside_links(checker: CheckerBase, reads: LineReads, index: int) -> list[ResolvedPath] | None:
    """Files outside the workspace a symlink-following deep read of command `index` reaches
    (None when the walk could not finish)."""
    folders, follow = reads.deep[index]
    if not follow or not folders:
        return []
    out: list[ResolvedPath] = []
    for folder in folders:
        if not os.path.isdir(folder.real):
            continue
        entries, complete = walk(folder, follow_links=True)
        if not complete:
            return None
        out.extend(e for e in entries if not checker.read_permitted(e)[0])
    return out
