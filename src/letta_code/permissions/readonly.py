"""Which shell commands only look at things (and which of their words are paths).

Conservative by design: a command is read-only only when it is on this list, is
used without the options that make it write or run other programs (`find
-exec`, `sort -o`, `rg --pre`, `git -c`, ...), and every word that may name a
file is known. The checker then makes sure those paths stay inside the
workspace (or are allowed by a `Read(...)` rule).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from letta_code.permissions.words import Word

# Commands that never read files named by their arguments; any arguments are fine.
_NO_PATHS: frozenset[str] = frozenset(
    {
        "echo", "printf", "pwd", "true", "false", "whoami", "id", "uname", "which", "type",
        "date", "hostname", "printenv", "env", "seq", "tr", "basename", "dirname", "nproc",
        "arch", "groups", "locale", "cal", "uptime", "sleep",
    }
)
# Commands that read the files named by their (non-option) arguments.
_WITH_PATHS: frozenset[str] = frozenset(
    {
        "cat", "head", "tail", "wc", "ls", "tree", "file", "stat", "du", "df", "grep", "egrep",
        "fgrep", "rg", "find", "diff", "cmp", "sort", "uniq", "cut", "nl", "od", "xxd",
        "hexdump", "strings", "md5sum", "sha1sum", "sha256sum", "sha512sum", "shasum",
        "cksum", "tac", "rev", "column", "jq", "realpath", "readlink", "git", "cd",
    }
)
# Options that make an otherwise read-only command write, execute, or follow symlinks
# while it walks a tree (a link to $HOME inside the project would then be read through).
_FORBIDDEN_LONG: dict[str, tuple[str, ...]] = {
    "sort": ("--output", "--compress-program"),
    "rg": ("--pre", "--pre-glob", "--follow"),
    "tree": ("--output",),
    "date": ("--set",),
    "file": ("--compile",),
    "grep": ("--dereference-recursive",),
    "egrep": ("--dereference-recursive",),
    "fgrep": ("--dereference-recursive",),
    "du": ("--dereference",),
    "ls": ("--dereference",),
}
_FORBIDDEN_LETTERS: dict[str, str] = {
    "sort": "o", "tree": "ol", "date": "s", "printf": "v", "file": "C",
    "grep": "R", "egrep": "R", "fgrep": "R", "rg": "L", "du": "L", "ls": "L",
}
_FIND_ACTIONS = frozenset(
    {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf", "-fls",
     "-L", "-follow"}
)
_MAX_POSITIONAL: dict[str, int] = {"uniq": 1, "xxd": 1, "cd": 1}

_GIT_READ_ONLY = frozenset(
    {
        "status", "diff", "log", "show", "blame", "ls-files", "rev-parse", "describe",
        "shortlog", "grep", "show-ref", "ls-tree", "cat-file", "merge-base", "rev-list",
        "count-objects", "whatchanged", "name-rev", "check-ignore", "version", "help",
    }
)
_GIT_GLOBAL_OK = frozenset({"--no-pager", "-P", "--no-optional-locks"})
_GIT_FORBIDDEN_PREFIXES = ("--output", "--ext-diff", "--open-files-in-pager", "-O", "--exec")
_GIT_BRANCH_OK = frozenset({"-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose", "--show-current", "--no-color"})
_GIT_CONFIG_READ = frozenset({"--get", "--get-all", "--get-regexp", "--list", "-l"})


# The folder the command runs in: commands like `ls` or `grep -r x` read it implicitly.
_HERE = Word(".")


@dataclass(frozen=True)
class ReadOnlyInfo:
    """A read-only command: the words that may name files it reads, and a `cd` target."""

    paths: tuple[Word, ...]
    cd_target: Word | None = None


def _is_option(word: Word) -> bool:
    return word.literal and word.text.startswith("-") and word.text != "-"


def _split_args(args: tuple[Word, ...]) -> tuple[list[Word], list[Word]]:
    """Options and positional words (anything after `--` is positional)."""
    options: list[Word] = []
    positional: list[Word] = []
    done = False
    for word in args:
        if not done and word.literal and word.text == "--":
            done = True
        elif not done and _is_option(word):
            options.append(word)
        else:
            positional.append(word)
    return options, positional


def _option_values(options: list[Word]) -> list[Word]:
    """Option values that may name a file, to be path-checked: `--file=x` gives `x`, and
    an attached short-option value that looks like a path (`-f/etc/x`) gives `/etc/x`."""
    values: list[Word] = []
    for option in options:
        text = option.text
        if "=" in text and text.split("=", 1)[1]:
            values.append(Word(text.split("=", 1)[1]))
        elif not text.startswith("--") and len(text) > 2:
            rest = text[2:]
            if "/" in rest or rest.startswith(("~", ".")):
                values.append(Word(rest))
    return values


def _has_forbidden(name: str, options: list[Word]) -> bool:
    longs = _FORBIDDEN_LONG.get(name, ())
    letters = _FORBIDDEN_LETTERS.get(name, "")
    for option in options:
        text = option.text
        if text.startswith("--"):
            if any(text == f or text.startswith(f + "=") for f in longs):
                return True
        elif letters and any(ch in letters for ch in text[1:]):
            return True
    return False


def _git(args: tuple[Word, ...]) -> ReadOnlyInfo | None:
    i = 0
    while i < len(args) and args[i].literal and args[i].text in _GIT_GLOBAL_OK:
        i += 1
    if i >= len(args) or not args[i].literal:
        return None
    sub, rest = args[i].text, args[i + 1 :]
    if any(not w.literal for w in rest):
        return None
    texts = [w.text for w in rest]
    if any(t.startswith(_GIT_FORBIDDEN_PREFIXES) for t in texts):
        return None
    if sub in _GIT_READ_ONLY:
        pass
    elif sub == "branch":
        if not all(t in _GIT_BRANCH_OK for t in texts):
            return None
    elif sub == "remote":
        if not all(t in ("-v", "--verbose") for t in texts):
            return None
    elif sub == "tag":
        if any(t.startswith("-") and t not in ("-l", "--list", "-n") for t in texts):
            return None
        if not any(t in ("-l", "--list") for t in texts) and any(not t.startswith("-") for t in texts):
            return None
    elif sub == "stash":
        if not texts or texts[0] not in ("list", "show"):
            return None
    elif sub == "config":
        if not texts or texts[0] not in _GIT_CONFIG_READ:
            return None
        return ReadOnlyInfo(paths=())
    else:
        return None
    options, positional = _split_args(rest)
    return ReadOnlyInfo(paths=(_HERE, *positional, *_option_values(options)))


def read_only_info(words: tuple[Word, ...], *, extra_args: bool = False) -> ReadOnlyInfo | None:
    """Classify a command's effective words; None when it is not (provably) read-only.

    `extra_args`: more arguments arrive at run time (`xargs cat`), so a command
    that reads files named by its arguments cannot be judged.
    """
    if not words or not words[0].literal:
        return None
    name, args = words[0].text, words[1:]
    if extra_args and name not in _NO_PATHS:
        return None
    if name in ("env", "hostname") and args:
        return None  # `env cmd` runs cmd (judged unwrapped); `hostname x` renames the host
    if name == "git":
        return _git(args)
    if name == "command" and args and args[0].literal and args[0].text in ("-v", "-V"):
        return ReadOnlyInfo(paths=())  # `command -v git`: only looks a name up
    if name not in _NO_PATHS and name not in _WITH_PATHS:
        return None
    options, positional = _split_args(args)
    if _has_forbidden(name, options):
        return None
    if name in _MAX_POSITIONAL and len(positional) > _MAX_POSITIONAL[name]:
        return None
    if name in _NO_PATHS:
        return ReadOnlyInfo(paths=())
    if any(not w.literal and w.kind != "glob" for w in args):
        return None  # `cat $X` may read anything
    if name == "find" and any(o.text in _FIND_ACTIONS for o in options):
        return None
    if name == "cd":
        target = positional[0] if positional else Word("~")
        if target.text == "-" or options or os.environ.get("CDPATH"):
            return None  # with CDPATH set, `cd dir` may land anywhere
        return ReadOnlyInfo(paths=(target,), cd_target=target)
    return ReadOnlyInfo(paths=(_HERE, *positional, *_option_values(options)))
