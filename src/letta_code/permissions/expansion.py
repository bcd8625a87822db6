"""Words whose meaning depends on expansion: what kind they are, and what bash makes of them.

Two steps, both fail closed:

1. `word_from_chars` classifies a word after quote removal. Unquoted `*`, `?` and
   bracket expressions make it a glob (`.g[i]t` is a pattern, not the name `.g[i]t`);
   brace expansion (`{a,b}`, `{1..3}`) and a quoted leading `~` (a directory named
   `~`, which path resolution would read as home) make it opaque. A bracket
   expression we cannot translate exactly (`[[:alpha:]]`, ranges beyond ASCII
   letters and digits, quoted characters inside) is opaque too.
2. `expand_analysis` replaces every glob word by what bash would produce at the
   moment of the check, with bash's defaults (no dotglob, nullglob, failglob,
   globstar, extglob or nocaseglob): the sorted matches, or the word itself when
   nothing matches. Expanded words are then judged like any other, so a file named
   `-delete` matched by `*` is an option of `find`, and `/bin/r[m]` is `rm`.

An expansion is only exact when nothing in the line can change the filesystem or
the folder before the glob is expanded. The caller asks for `trusted=False` unless
the line is a single simple command or every part of it is read-only; untrusted
globs become opaque words (their patterns still count for deny and ask rules).
Globs also become opaque when `BASHOPTS` or `GLOBIGNORE` in the environment change
how bash expands, when the line changes folder (`cd`, `pushd`, `popd`) or shell
options (`set`, `shopt`), or when a pattern matches more than `MAX_MATCHES` names.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable

from letta_code.permissions.paths import expand_home
from letta_code.permissions.quoting import Chars
from letta_code.permissions.words import CommandForm, ShellAnalysis, SimpleCommand, Word

MAX_MATCHES = 2000
_META = "*?["
# Commands after which the folder or the globbing rules of the rest of the line differ.
_CHANGES_EXPANSION = frozenset({"cd", "pushd", "popd", "set", "shopt", "source", "."})
_EXPANSION_ENV = ("BASHOPTS", "GLOBIGNORE", "SHELLOPTS")


def word_from_chars(chars: Chars) -> Word:
    """The `Word` for a fully quote-removed word (see the module docstring)."""
    value = "".join(c for c, _ in chars)
    if chars and chars[0] == ("~", True):
        return Word(value, "opaque")
    if _brace_expansion(chars):
        return Word(value, "opaque")
    if not _has_glob(chars):
        return Word(value)
    pattern = _pattern(chars)
    if pattern is None:
        return Word(value, "opaque")
    return Word(pattern, "glob", value)


def _brace_expansion(chars: Chars) -> bool:
    """An unquoted `{` ... `,` or `..` ... `}`: bash turns the word into several."""
    text = "".join(c if not q else "\0" for c, q in chars)
    start = text.find("{")
    while start != -1:
        end = text.find("}", start)
        if end == -1:
            return False
        inner = text[start + 1 : end]
        if "," in inner or ".." in inner or "{" in inner:
            return True
        start = text.find("{", start + 1)
    return False


def _has_glob(chars: Chars) -> bool:
    for i, (c, quoted) in enumerate(chars):
        if quoted:
            continue
        if c in "*?":
            return True
        if c == "[" and any(d == "]" for d, _ in chars[i + 1 :]):
            return True
    return False


def _pattern(chars: Chars) -> str | None:
    """An fnmatch pattern meaning exactly what bash's pattern means, or None."""
    out: list[str] = []
    i, n = 0, len(chars)
    while i < n:
        c, quoted = chars[i]
        if quoted:
            out.append(f"[{c}]" if c in _META or c == "]" else c)
            i += 1
        elif c in "*?":
            out.append(c)
            i += 1
        elif c == "[":
            bracket = _bracket(chars, i + 1)
            if bracket is None:
                return None
            if bracket == ("", i + 1):
                out.append("[[]")  # no closing bracket: a plain `[`
                i += 1
            else:
                out.append(bracket[0])
                i = bracket[1]
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _bracket(chars: Chars, i: int) -> tuple[str, int] | None:
    """Translate the bracket expression starting after `[` at `i`.

    Returns (fnmatch text, index after `]`), ("", i) when there is no closing `]`,
    or None when the expression is beyond what we translate exactly.
    """
    n = len(chars)
    j = i
    negate = j < n and chars[j][0] in "!^" and not chars[j][1]
    if negate:
        j += 1
    body: list[str] = []
    if j < n and chars[j] == ("]", False):
        body.append("]")
        j += 1
    while j < n and chars[j] != ("]", False):
        c, quoted = chars[j]
        if quoted or c in "[/\\":
            return None  # quoted members, classes like [:alpha:], a slash: not exact
        body.append(c)
        j += 1
    if j >= n:
        return "", i
    text = "".join(body)
    if not text or not _ranges_exact(text):
        return None
    return "[" + ("!" if negate else "") + text + "]", j + 1


def _ranges_exact(body: str) -> bool:
    """Ranges only between ASCII digits, lower-case or upper-case letters (same class):
    elsewhere bash's order depends on the locale."""
    for k in range(1, len(body) - 1):
        if body[k] != "-":
            continue
        low, high = body[k - 1], body[k + 1]
        if not any(low in cls and high in cls for cls in (_DIGITS, _LOWER, _UPPER)):
            return False
    return True


_DIGITS = "0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()


def bash_glob(pattern: str, base: str) -> list[str] | None:
    """What bash expands `pattern` to in folder `base` now (None: too many to judge)."""
    expanded = expand_home(pattern) if pattern.startswith("~") else pattern
    if expanded.startswith("~"):
        return None  # `~nosuchuser`, `~+`, `~-`: the shell decides
    try:
        matches = glob.glob(expanded) if os.path.isabs(expanded) else glob.glob(expanded, root_dir=base)
    except (OSError, ValueError):
        return None
    if len(matches) > MAX_MATCHES:
        return None
    return sorted(matches)


def _expanded(word: Word, base: str, trusted: bool) -> tuple[Word, ...]:
    if word.kind != "glob":
        return (word,)
    fallback = word.value if word.value is not None else word.text
    if not trusted:
        return (Word(fallback, "opaque"),)
    matches = bash_glob(word.text, base)
    if matches is None:
        return (Word(fallback, "opaque"),)
    if not matches:
        return (Word(fallback),)  # bash passes an unmatched pattern on as it is
    return tuple(Word(m) for m in matches)


def _words(words: Iterable[Word], base: str, trusted: bool) -> tuple[Word, ...]:
    return tuple(w for word in words for w in _expanded(word, base, trusted))


def _target(word: Word, base: str, trusted: bool) -> Word:
    """A redirection target expands to one word, or bash refuses it."""
    words = _expanded(word, base, trusted)
    if len(words) == 1:
        return words[0]
    return Word(word.value or word.text, "opaque")


def has_globs(analysis: ShellAnalysis) -> bool:
    words = [w for c in analysis.commands for f in c.forms for w in f.words]
    return any(w.kind == "glob" for w in (*words, *analysis.writes, *analysis.reads))


def expansion_may_change(analysis: ShellAnalysis, environ: dict[str, str] | None = None) -> bool:
    """True when globs of this line cannot be expanded ahead of time at all."""
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in _EXPANSION_ENV):
        return True
    for command in analysis.commands:
        for form in command.forms:
            if form.program in _CHANGES_EXPANSION:
                return True
    return False


def expand_analysis(analysis: ShellAnalysis, base: str, *, trusted: bool) -> ShellAnalysis:
    """The analysis with every glob word expanded in folder `base` (or made opaque)."""
    if not has_globs(analysis):
        return analysis
    trusted = trusted and not expansion_may_change(analysis)

    def form(f: CommandForm) -> CommandForm:
        return CommandForm(_words(f.words, base, trusted), f.allowable, f.extra_args)

    # The unexpanded forms stay as hidden readings: a deny rule that fits the pattern
    # (`rm -r[f]` against `rm -rf:*`) still sees it, whatever the folder holds now.
    commands = tuple(
        SimpleCommand(
            tuple(form(f) for f in c.forms),
            c.text,
            (*(form(f) for f in c.hidden), *c.forms, *c.hidden),
        )
        for c in analysis.commands
    )
    return ShellAnalysis(
        command=analysis.command,
        commands=commands,
        writes=tuple(_target(w, base, trusted) for w in analysis.writes),
        reads=tuple(_target(w, base, trusted) for w in analysis.reads),
        problems=analysis.problems,
    )
