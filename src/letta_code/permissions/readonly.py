"""Which shell commands only look at things (and which of their words are paths).

Conservative by design: a command is read-only only when it is on the list in
`readonly_specs` (git: `git_readonly`) and *every* option it is given is on
that command's allow-list of options known to be safe. An option not on the
list (one that writes, runs a program, takes names from a file, follows
symlinks, or simply one we have not audited) makes the command not read-only,
so it asks. Option values that name files the command reads are returned as
paths, like its positional file arguments; the checker makes sure they stay
inside the workspace (or are allowed by a `Read(...)` rule).

Commands that read the *contents* of every file under a folder (`grep -r`,
`rg`, `diff` of folders, `git grep --no-index`) report those folders in `deep`:
a `Read(...)` deny rule is checked against the files inside, not just the
folder's name (see `deep_reads`). Git commands carry a `GitUse` (see
`git_readonly`) for the checks of the repository and its object store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from letta_code.permissions.git_readonly import GitUse, git_info, git_possible
from letta_code.permissions.options import Parsed, parse, spec
from letta_code.permissions.readonly_specs import MAX_POSITIONAL, SPECS, XXD_FLAGS, XXD_VALUES
from letta_code.permissions.words import Word

# The folder the command runs in: commands like `ls` or `grep -r x` read it implicitly.
_HERE = Word(".")

_FIND_GLOBAL = frozenset({"-H", "-P"})
_FIND_NOARG = frozenset(
    [
        "-daystart",
        "-depth",
        "-d",
        "-ignore_readdir_race",
        "-noignore_readdir_race",
        "-mount",
        "-xdev",
        "-noleaf",
        "-nowarn",
        "-warn",
        "-empty",
        "-false",
        "-true",
        "-nouser",
        "-nogroup",
        "-readable",
        "-writable",
        "-executable",
        "-print",
        "-print0",
        "-prune",
        "-quit",
        "-ls",
        "(",
        ")",
        "!",
        "-not",
        "-a",
        "-and",
        "-o",
        "-or",
        ",",
        "-help",
        "--help",
        "-version",
        "--version",
    ]
)
_FIND_VALUE = frozenset(
    [
        "-maxdepth",
        "-mindepth",
        "-amin",
        "-atime",
        "-cmin",
        "-ctime",
        "-mmin",
        "-mtime",
        "-gid",
        "-group",
        "-uid",
        "-user",
        "-iname",
        "-name",
        "-ipath",
        "-path",
        "-iwholename",
        "-wholename",
        "-iregex",
        "-regex",
        "-regextype",
        "-links",
        "-inum",
        "-size",
        "-type",
        "-xtype",
        "-perm",
        "-lname",
        "-ilname",
        "-fstype",
        "-used",
        "-printf",
        "-context",
    ]
)
_FIND_PATH = frozenset({"-newer", "-anewer", "-cnewer", "-samefile"})


@dataclass(frozen=True)
class ReadOnlyInfo:
    """A read-only command: the words that may name files it reads, and a `cd` target.

    `deep`: folders whose files' contents it reads (recursively); `follows_links`:
    it follows symlinks met on the way. `git`: how a git command uses the repository.
    """

    paths: tuple[Word, ...]
    cd_target: Word | None = None
    deep: tuple[Word, ...] = ()
    follows_links: bool = False
    git: GitUse | None = None


@dataclass(frozen=True)
class PossibleReads:
    """What a command that is *not* read-only may still read (for deny and ask rules)."""

    paths: tuple[Word, ...] = ()
    deep: tuple[Word, ...] = ()
    git: GitUse | None = None


def _find(args: tuple[Word, ...]) -> ReadOnlyInfo | None:
    i = 0
    while i < len(args) and args[i].literal and (args[i].text in _FIND_GLOBAL or args[i].text.startswith("-O")):
        i += 1
    starts: list[Word] = []
    while i < len(args) and not (args[i].literal and (args[i].text.startswith("-") or args[i].text in ("(", "!", ","))):
        starts.append(args[i])
        i += 1
    paths = list(starts) or [_HERE]
    while i < len(args):
        word = args[i]
        i += 1
        if not word.literal:
            return None
        text = word.text
        if text in _FIND_NOARG:
            continue
        newer = text.startswith("-newer") and len(text) == 8
        if text in _FIND_VALUE or text in _FIND_PATH or newer:
            if i >= len(args) or not args[i].literal:
                return None
            if text in _FIND_PATH or (newer and text[-1] != "t"):
                paths.append(args[i])
            i += 1
            continue
        return None  # -exec, -delete, -fprint, -L, -files0-from, an unknown primary...
    if any(not w.literal and w.kind != "glob" for w in starts):
        return None
    return ReadOnlyInfo(paths=tuple(paths))


def _xxd(args: tuple[Word, ...]) -> ReadOnlyInfo | None:
    positional: list[Word] = []
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if not word.literal:
            return None
        if word.text in XXD_FLAGS:
            continue
        if word.text in XXD_VALUES:
            if i >= len(args) or not args[i].literal:
                return None
            i += 1
            continue
        if word.text.startswith("-") and word.text != "-":
            return None  # -r (reverse), attached values, unknown options
        positional.append(word)
    if len(positional) > MAX_POSITIONAL["xxd"]:
        return None
    return ReadOnlyInfo(paths=(_HERE, *positional))


def _deep(name: str, parsed: Parsed) -> tuple[tuple[Word, ...], bool]:
    """Folders whose file contents the command reads, and whether it follows symlinks."""
    positional = parsed.positional
    if name in ("grep", "egrep", "fgrep", "rg"):
        pattern_given = parsed.has("-e", "-f", "--regexp", "--file", "--files", "--type-list")
        files = positional if pattern_given else positional[1:]
        if name == "rg":
            if parsed.has("--files", "--type-list", "--help", "--version", "-h", "-V"):
                return (), False
            return tuple(files) or (_HERE,), False
        actions = parsed.values("-d", "--directories")
        recursive = parsed.has("-r", "--recursive") or any(a not in ("read", "skip") for a in actions)
        return ((tuple(files) or (_HERE,)) if recursive else ()), False
    if name == "diff":
        extra = [Word(v) for v in parsed.values("--from-file", "--to-file")]
        return (*positional, *extra), not parsed.has("--no-dereference")
    return (), False


def _printf_ok(args: tuple[Word, ...]) -> bool:
    # `printf -v PATH /x` assigns a shell variable (later commands would run from /x).
    return not args or (args[0].literal and not (args[0].text.startswith("-") and args[0].text != "--"))


def read_only_info(words: tuple[Word, ...], *, extra_args: bool = False) -> ReadOnlyInfo | None:
    """Classify a command's effective words; None when it is not (provably) read-only.

    `extra_args`: more arguments arrive at run time (`xargs cat`), so a command
    that takes options or names files cannot be judged.
    """
    if not words or not words[0].literal:
        return None
    name, args = words[0].text, words[1:]
    if name == "git":
        git = None if extra_args else git_info(args)
        if git is None:
            return None
        return ReadOnlyInfo(
            paths=git.paths, cd_target=git.cd_target, deep=git.deep, follows_links=bool(git.deep), git=git.use
        )
    if name == "command" and args and args[0].literal and args[0].text in ("-v", "-V"):
        return None if extra_args else ReadOnlyInfo(paths=())  # `command -v git`: a lookup
    if name == "cd":
        return None if extra_args else _cd(args)
    if name == "find":
        return None if extra_args else _find(args)
    if name == "xxd":
        return None if extra_args else _xxd(args)
    if name not in SPECS:
        return None
    options, kind = SPECS[name]
    if kind == "any":
        return ReadOnlyInfo(paths=()) if name != "printf" or (_printf_ok(args) and not extra_args) else None
    if extra_args:
        return None
    parsed = parse(spec(options), args)
    if not parsed.ok:
        return None
    if kind == "empty" and parsed.positional:
        return None  # `hostname NAME` renames the host; `env CMD` runs CMD (judged unwrapped)
    if name in MAX_POSITIONAL and len(parsed.positional) > MAX_POSITIONAL[name]:
        return None
    if name == "strings" and any(w.text.startswith("@") for w in parsed.positional):
        return None  # `@FILE` reads more options from FILE
    if name == "jq" and any(w.literal and ("import" in w.text or "include" in w.text) for w in parsed.positional):
        return None  # jq modules: `import "x" as $d;` reads x.json from a search path
    if name == "rg" and os.environ.get("RIPGREP_CONFIG_PATH") and not parsed.has("--no-config"):
        return None  # the config file may hold any option (`--pre=...`)
    if kind in ("none", "empty"):
        return ReadOnlyInfo(paths=tuple(parsed.paths))
    deep, follows = _deep(name, parsed)
    return ReadOnlyInfo(paths=(_HERE, *parsed.positional, *parsed.paths), deep=deep, follows_links=follows)


def _cd(args: tuple[Word, ...]) -> ReadOnlyInfo | None:
    if len(args) > 1 or any(not w.literal for w in args):
        return None
    target = args[0] if args else Word("~")
    if target.text.startswith("-") or os.environ.get("CDPATH"):
        return None  # `cd -`, `cd -P`; with CDPATH set, `cd dir` may land anywhere
    return ReadOnlyInfo(paths=(target,), cd_target=target)


def possible_reads(words: tuple[Word, ...]) -> PossibleReads:
    """Best effort for a command that is not read-only: which files it may read.

    Used against deny and ask rules only: option values that name files (also of
    unknown options: `-Xvalue`, `--x=value`), the folders a recursive reader
    walks, and git's use of its object store.
    """
    if not words or not words[0].literal:
        return PossibleReads()
    name, args = words[0].text, words[1:]
    if name == "git":
        return PossibleReads(git=git_possible(args))
    if name not in SPECS or SPECS[name][1] == "any":
        return PossibleReads()
    options, kind = SPECS[name]
    parsed = parse(spec(options), args)
    positional = () if kind in ("none", "empty") else tuple(parsed.positional)
    deep: tuple[Word, ...] = ()
    if name in ("grep", "egrep", "fgrep", "rg", "diff"):
        # A recursive option may hide among the unknown ones, and an unknown option may take
        # the word that looked like a file: so it may read `.` too.
        deep = (*positional, _HERE)
    return PossibleReads(paths=(*positional, *parsed.paths), deep=deep)
