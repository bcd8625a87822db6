"""Allow-lists of command-line options, and a getopt-style parser over shell words.

A command's known options are written as one string of tokens::

    "-n= -q -v --lines= --quiet --file@ --color=?"

- `-x` / `--name`: a flag (no value);
- `-x=` / `--name=`: takes a value that is not a file (`-n 5`, `-n5`, `--lines=5`);
- `-x@` / `--name@`: takes a value that names a file the command READS (checked as a path);
- `--name=?`: an optional value, only in the attached form (`--color=auto`);
- `--name==` / `--name=@`: takes two values (`jq --arg NAME VALUE`, `--rawfile NAME FILE`);
- `#`: `-NUM` is an option too (`head -5`, `grep -3`).

Anything not on the list (an unknown option, an abbreviated long option, an
option whose value the shell only knows at run time) makes the parse not `ok`:
the caller then treats the command as not read-only, so it asks. The parser
still reports every value that may name a file, so deny rules can be checked
against commands that are not read-only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from letta_code.permissions.words import Word

FLAG, VALUE, PATH, OPTIONAL, VALUE2, PATH2 = "flag", "value", "path", "optional", "value2", "path2"
_SUFFIXES = (("=@", PATH2), ("==", VALUE2), ("=?", OPTIONAL), ("@", PATH), ("=", VALUE))


@dataclass(frozen=True)
class OptionSpec:
    """The options one command accepts (see the module docstring)."""

    short: dict[str, str]
    long: dict[str, str]
    digits: bool = False


@functools.lru_cache(maxsize=256)
def spec(text: str) -> OptionSpec:
    """Parse an option list written in the mini-language of the module docstring."""
    short: dict[str, str] = {}
    long: dict[str, str] = {}
    digits = False
    for token in text.split():
        if token == "#":
            digits = True
            continue
        kind = FLAG
        for suffix, suffix_kind in _SUFFIXES:
            if token.endswith(suffix) and len(token) > len(suffix) + 1:
                token, kind = token[: -len(suffix)], suffix_kind
                break
        if token.startswith("--"):
            long[token] = kind
        elif token.startswith("-") and len(token) == 2:
            short[token[1]] = kind
        else:
            raise ValueError(f"bad option token {token!r}")
    return OptionSpec(short, long, digits)


@dataclass
class Parsed:
    """The result of parsing a command's arguments against its option list."""

    ok: bool = True
    options: list[tuple[str, Word | None]] = field(default_factory=list)
    positional: list[Word] = field(default_factory=list)
    paths: list[Word] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return any(name == n for name, _ in self.options for n in names)

    def values(self, *names: str) -> list[str]:
        return [v.text for name, v in self.options if name in names and v is not None]


def _take(args: tuple[Word, ...], i: int, count: int, out: Parsed) -> tuple[list[Word], int]:
    if i + count > len(args):
        out.ok = False
        return [], len(args)
    taken = list(args[i : i + count])
    if any(not w.literal for w in taken):
        out.ok = False
    return taken, i + count


def _short(opts: OptionSpec, text: str, args: tuple[Word, ...], i: int, out: Parsed) -> int:
    if opts.digits and text[1:].isdigit():
        out.options.append(("-#", Word(text[1:])))
        return i
    j = 1
    while j < len(text):
        letter, rest = text[j], text[j + 1 :]
        kind = opts.short.get(letter)
        name = "-" + letter
        if kind is None:
            out.ok = False
            if rest:
                out.paths.append(Word(rest))  # `-Xvalue` may be a file name
            return i
        if kind == FLAG:
            out.options.append((name, None))
            j += 1
            continue
        if kind == OPTIONAL:
            out.options.append((name, Word(rest) if rest else None))
            return i
        if kind in (VALUE2, PATH2):
            out.ok = False  # two-value options are long-only
        return _one_value(name, kind, rest or None, args, i, out)
    return i


def _one_value(name: str, kind: str, attached: str | None, args: tuple[Word, ...], i: int, out: Parsed) -> int:
    """Record an option's value (attached, or the next word); a PATH value is a path."""
    if attached is not None:
        value = Word(attached)
    else:
        taken, i = _take(args, i, 1, out)
        if not taken:
            return i
        value = taken[0]
    out.options.append((name, value))
    if kind == PATH:
        out.paths.append(value)
    return i


def _long(opts: OptionSpec, text: str, args: tuple[Word, ...], i: int, out: Parsed) -> int:
    name, eq, attached = text.partition("=")
    kind = opts.long.get(name)
    if kind is None:
        out.ok = False
        if eq and attached:
            out.paths.append(Word(attached))
        return i
    if kind == FLAG:
        if eq:
            out.ok = False
        out.options.append((name, None))
        return i
    if kind == OPTIONAL:
        out.options.append((name, Word(attached) if eq else None))
        return i
    if kind in (VALUE2, PATH2):
        if eq:
            taken, i = _take(args, i, 1, out)
            values = [Word(attached), *taken]
        else:
            values, i = _take(args, i, 2, out)
        if len(values) == 2:
            out.options.append((name, values[1]))
            if kind == PATH2:
                out.paths.append(values[1])
        return i
    return _one_value(name, kind, attached if eq else None, args, i, out)


def parse(opts: OptionSpec, args: tuple[Word, ...], *, permute: bool = True) -> Parsed:
    """Split `args` into known options (with values) and positional words.

    `permute`: options may follow positional words (GNU style); otherwise the first
    positional word ends the options (POSIX style). `--` always ends them.
    """
    out = Parsed()
    i, done = 0, False
    while i < len(args):
        word = args[i]
        i += 1
        text = word.text
        if done or text == "-" or not text.startswith("-"):
            if not word.literal and word.kind != "glob":
                out.ok = False  # `$X` may expand to an option
            out.positional.append(word)
            if not permute:
                done = True
            continue
        if not word.literal:
            out.ok = False  # `-[o]x` or `-$X`: an option only known at run time
            out.positional.append(word)
            continue
        if text == "--":
            done = True
        elif text.startswith("--"):
            i = _long(opts, text, args, i, out)
        else:
            i = _short(opts, text, args, i, out)
    return out
