"""The words of a shell command after quote removal, simple commands and their readings,
and Bash-rule matching on them.

A word is `literal` when its value is known exactly, `glob` when it is a pattern
the shell will expand against the filesystem (`*.py`, `.[e]nv`), and `opaque` when
it depends on run-time values (`$X`, `$(...)`, `{a,b}`). Allow rules only match
literal words; deny and ask rules treat unknown words as possibly matching (see
`match_words`). Before a command is judged, glob words are expanded exactly as bash
would expand them at that moment (`expansion.expand_analysis`), or made opaque.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Literal

WordKind = Literal["literal", "glob", "opaque"]


@dataclass(frozen=True)
class Word:
    """One shell word: its value (or source text when not literal) and how well it is known.

    For a glob word `text` is an fnmatch pattern in which quoted metacharacters are
    escaped as `[*]`, and `value` is the word bash passes on when nothing matches.
    """

    text: str
    kind: WordKind = "literal"
    value: str | None = None

    @property
    def literal(self) -> bool:
        return self.kind == "literal"


def lit(*texts: str) -> tuple[Word, ...]:
    """Literal words (a helper for building forms by hand)."""
    return tuple(Word(t) for t in texts)


@dataclass(frozen=True)
class CommandForm:
    """One way of reading a simple command, e.g. `sudo rm x` and, unwrapped, `rm x`.

    `allowable`: an allow rule may match this form (false below `sudo` or an
    unsafe `VAR=value` prefix). `extra_args`: more arguments are appended at run
    time (`xargs`), so an exact rule cannot match.
    """

    words: tuple[Word, ...]
    allowable: bool = True
    extra_args: bool = False

    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def program(self) -> str:
        """The name of the program it runs (`/usr/bin/git` -> `git`); "" when not literal."""
        head = self.words[0] if self.words else None
        if head is None or not head.literal:
            return ""
        return head.text.rsplit("/", 1)[-1]

    def with_basename(self) -> CommandForm | None:
        """`/usr/bin/rm x` read as `rm x` (for deny/ask rules); None when not a path."""
        if not self.words or not self.words[0].literal or "/" not in self.words[0].text:
            return None
        base = self.words[0].text.rstrip("/").rsplit("/", 1)[-1]
        if not base:
            return None
        return replace(self, words=(Word(base), *self.words[1:]))


def match_words(rule_words: tuple[str, ...], form: CommandForm, *, prefix: bool, broad: bool) -> bool:
    """Does a Bash rule (`rule_words`, exact or `prefix:*`) match a command form?

    Narrow (allow): every rule word must equal a literal word; an exact rule needs
    the same number of words and no appended arguments. Broad (deny/ask): a glob
    word matches when the rule word fits the pattern, and an opaque word (or glob)
    may expand to anything, so matching stops there with a yes.
    """
    words = form.words
    if not words or not words[0].literal:
        return False
    for i, expected in enumerate(rule_words):
        if i >= len(words):
            # Fewer words than the rule: only arguments appended at run time could fill it.
            return broad and form.extra_args
        word = words[i]
        if word.literal:
            if word.text != expected:
                return False
            continue
        if not broad:
            return False
        # A glob word matches if the rule word fits it; an opaque word may be anything.
        return word.kind != "glob" or fnmatchcase(expected, word.text)
    if prefix:
        return True
    if len(words) == len(rule_words):
        return broad or not form.extra_args
    return False


@dataclass(frozen=True)
class SimpleCommand:
    """One simple command and its readings, outermost (as written) first."""

    forms: tuple[CommandForm, ...]
    text: str
    # Readings only deny and ask rules look at: the command might run them (an
    # unknown program may be a wrapper: `mywrap rm -rf x`, `su -c 'rm -rf x'`).
    hidden: tuple[CommandForm, ...] = ()

    @property
    def effective(self) -> CommandForm:
        """The innermost reading (wrappers removed)."""
        return self.forms[-1]

    @property
    def words(self) -> tuple[Word, ...]:
        return self.effective.words


@dataclass(frozen=True)
class ShellAnalysis:
    """What a shell command line does, as far as it can be told without running it."""

    command: str
    commands: tuple[SimpleCommand, ...]
    writes: tuple[Word, ...]
    reads: tuple[Word, ...]
    problems: tuple[str, ...]

    @property
    def parseable(self) -> bool:
        return not self.problems
