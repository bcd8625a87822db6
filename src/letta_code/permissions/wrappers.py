"""Commands that run another command: `env X=1 cmd`, `timeout 5 cmd`, `sudo cmd`, ...

`unwrap_forms` peels them off one by one and returns every reading of the
command, outermost first. A wrapper is *transparent* when the inner command does
the same thing it would do on its own (`timeout`, `nice`, `nohup`, `time`,
`command`, `exec`, `builtin`, `xargs`, harmless `VAR=value`); an allow rule for
the inner command then covers the wrapped one. `sudo`, `doas` and assignments to
variables that change what a program runs (`PATH`, `LD_PRELOAD`, ...) are not
transparent: only a rule for the whole command allows them, while deny and ask
rules see through them. Shells with `-c` are reported so the caller can parse
the string as a command of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from letta_code.permissions.launchers import LAUNCHERS
from letta_code.permissions.words import Word
from letta_code.permissions.wrapper_args import Unparseable, Unwrapped, plain_texts, simple_prefix

# Word tables read best as paragraphs: the formatter leaves them so.
# fmt: off
# Variables a `VAR=value cmd` prefix may set without changing which code runs.
SAFE_ENV_VARS: frozenset[str] = frozenset(
    {
        "CI", "DEBUG", "NODE_ENV", "RAILS_ENV", "RACK_ENV", "APP_ENV", "ENV", "ENVIRONMENT",
        "FORCE_COLOR", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM", "COLUMNS", "LINES",
        "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "VERBOSE", "LOG_LEVEL",
        "RUST_BACKTRACE", "RUST_LOG", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
        "PYTHONHASHSEED", "PYTHONIOENCODING", "GOOS", "GOARCH", "CGO_ENABLED",
        "NODE_NO_WARNINGS", "HYPOTHESIS_PROFILE",
    }
)
# Deliberately absent: PATH, LD_*, DYLD_*, NODE_OPTIONS, PYTHONPATH, PYTHONWARNINGS (imports
# modules), GOFLAGS (-toolexec), BASH_ENV, ENV, PAGER/GIT_PAGER, GIT_*, IFS, ...

# Commands that run code from a string or a file, or change how later words are read.
EVAL_LIKE: frozenset[str] = frozenset(
    {"eval", "trap", "fc", "alias", "enable", "coproc", "source", ".", "hash", "function"}
)
# Programs known never to run their arguments as commands. Any other program might be a
# wrapper we do not know (`busybox rm -rf x`, `su -c '...'`): deny and ask rules then
# also look at its trailing words and at arguments that read as command lines.
NON_RUNNERS: frozenset[str] = frozenset(
    {
        "echo", "printf", "cat", "head", "tail", "wc", "ls", "tree", "file", "stat", "du", "df",
        "grep", "egrep", "fgrep", "diff", "cmp", "uniq", "cut", "nl", "od", "xxd", "hexdump",
        "strings", "md5sum", "sha1sum", "sha256sum", "sha512sum", "shasum", "cksum", "tac",
        "rev", "column", "realpath", "readlink", "basename", "dirname", "pwd", "true", "false",
        "whoami", "id", "uname", "which", "type", "seq", "tr", "touch", "mkdir", "rmdir", "cp",
        "mv", "ln", "chmod", "rm", "test", "[", "cd", "sleep", "date", "nproc", "wait",
    }
)
# Shells whose `-c` string uses the bash grammar we parse.
BASH_LIKE_SHELLS: frozenset[str] = frozenset({"bash", "sh", "dash"})
# Shells with a grammar of their own: what they run is never judged as allowed.
OTHER_SHELLS: frozenset[str] = frozenset({"zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "yash"})
# fmt: on

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DURATION = re.compile(r"[0-9]+(?:\.[0-9]+)?[smhd]?\Z")
_NUMBER = re.compile(r"[+-]?[0-9]+\Z")


def _assignment_name(word: Word) -> str | None:
    if "=" not in word.text:
        return None
    name = word.text.split("=", 1)[0]
    return name if _NAME.match(name) else None


def _env(args: tuple[Word, ...]) -> Unwrapped | None:
    transparent = True
    i, options_done = 0, False
    while i < len(args):
        word = args[i]
        text = word.text
        name = _assignment_name(word)
        if name is not None:
            if name not in SAFE_ENV_VARS:
                transparent = False
            i += 1
            continue
        if not word.literal:
            raise Unparseable("env: an argument is not a plain word")
        if options_done or not text.startswith("-") or text == "-":
            if text == "-":
                i += 1
                continue
            break
        if text == "--":
            options_done = True
        elif text in ("-i", "--ignore-environment", "-0", "--null"):
            pass
        elif text in ("-u", "--unset"):
            i += 1
        elif text.startswith("--unset=") or (text.startswith("-u") and len(text) > 2):
            pass
        else:
            raise Unparseable(f"env: option {text!r} is not supported")
        i += 1
    if i >= len(args):
        return None
    return Unwrapped(args[i:], transparent)


def _timeout(args: tuple[Word, ...]) -> Unwrapped | None:
    texts = plain_texts(args, "timeout")
    i = 0
    while i < len(texts) and texts[i].startswith("-"):
        t = texts[i]
        if t == "--":
            i += 1
            break
        if t in ("-s", "--signal", "-k", "--kill-after"):
            i += 2
            continue
        if not (
            t in ("--preserve-status", "--foreground", "-v", "--verbose")
            or t.startswith(("--signal=", "--kill-after="))
            or (t[:2] in ("-s", "-k") and len(t) > 2)
        ):
            raise Unparseable(f"timeout: option {t!r} is not supported")
        i += 1
    if i >= len(args):
        return None
    if not args[i].literal or not _DURATION.match(texts[i]):
        raise Unparseable("timeout: the duration is not a plain number")
    return Unwrapped(args[i + 1 :]) if i + 1 < len(args) else None


def _nice(args: tuple[Word, ...]) -> Unwrapped | None:
    texts = plain_texts(args, "nice")
    i = 0
    while i < len(texts) and texts[i].startswith("-"):
        t = texts[i]
        if t == "--":
            i += 1
            break
        if t in ("-n", "--adjustment"):
            i += 2
            continue
        if not (t.startswith("--adjustment=") or _NUMBER.match(t) or (t.startswith("-n") and _NUMBER.match(t[2:]))):
            raise Unparseable(f"nice: option {t!r} is not supported")
        i += 1
    return Unwrapped(args[i:]) if i < len(args) else None


def _command(args: tuple[Word, ...]) -> Unwrapped | None:
    if args and args[0].literal and args[0].text in ("-v", "-V"):
        return None  # `command -v x` only looks a name up
    return simple_prefix("command", frozenset({"-p"}))(args)


_SUDO_FLAGS = frozenset("AbEHknPS")
_SUDO_VALUE = frozenset("CDgpRTUu")
_SUDO_LONG = frozenset(
    {"--preserve-env", "--non-interactive", "--askpass", "--set-home", "--stdin", "--background", "--reset-timestamp"}
)
_SUDO_LONG_VALUE = (
    "--user=",
    "--group=",
    "--prompt=",
    "--chdir=",
    "--close-from=",
    "--preserve-env=",
    "--role=",
    "--type=",
)


def _sudo(args: tuple[Word, ...]) -> Unwrapped | None:
    texts = plain_texts(args, "sudo")
    i = 0
    while i < len(texts) and texts[i].startswith("-"):
        t = texts[i]
        i += 1
        if t == "--":
            break
        if t in _SUDO_LONG or t.startswith(_SUDO_LONG_VALUE):
            continue
        if t.startswith("--"):
            raise Unparseable(f"sudo: option {t!r} is not supported")
        for pos, letter in enumerate(t[1:], start=1):
            if letter in _SUDO_VALUE:
                if pos == len(t) - 1:
                    i += 1
                break
            if letter not in _SUDO_FLAGS:
                raise Unparseable(f"sudo: option -{letter} is not supported")
    if i >= len(args):
        return None
    return Unwrapped(args[i:], transparent=False)


def _doas(args: tuple[Word, ...]) -> Unwrapped | None:
    texts = plain_texts(args, "doas")
    i = 0
    while i < len(texts) and texts[i].startswith("-"):
        t = texts[i]
        if t == "--":
            i += 1
            break
        if t == "-u":
            i += 2
            continue
        if t != "-n":
            raise Unparseable(f"doas: option {t!r} is not supported")
        i += 1
    return Unwrapped(args[i:], transparent=False) if i < len(args) else None


_XARGS_FLAGS = frozenset("0rtxpo")
_XARGS_VALUE = frozenset("nLPsdEI")
_XARGS_LONG = frozenset({"--null", "--no-run-if-empty", "--verbose", "--exit", "--interactive", "--open-tty"})
_XARGS_LONG_VALUE = (
    "--max-args=",
    "--max-lines=",
    "--max-procs=",
    "--max-chars=",
    "--delimiter=",
    "--eof=",
    "--replace=",
)


def _xargs(args: tuple[Word, ...]) -> Unwrapped | None:
    texts = plain_texts(args, "xargs")
    replace: str | None = None
    i = 0
    while i < len(texts) and texts[i].startswith("-"):
        t = texts[i]
        i += 1
        if t == "--":
            break
        if t in _XARGS_LONG:
            continue
        if t.startswith(_XARGS_LONG_VALUE):
            if t.startswith("--replace="):
                replace = t.split("=", 1)[1] or "{}"
            continue
        if t.startswith("--"):
            raise Unparseable(f"xargs: option {t!r} is not supported")
        if t[:2] in ("-i", "-e", "-l"):  # optional attached value
            if t[:2] == "-i":
                replace = t[2:] or "{}"
            continue
        for pos, letter in enumerate(t[1:], start=1):
            if letter in _XARGS_VALUE:
                value = t[pos + 1 :]
                if not value:
                    if i >= len(texts):
                        raise Unparseable(f"xargs: -{letter} needs a value")
                    value = texts[i]
                    i += 1
                if letter == "I":
                    replace = value
                break
            if letter not in _XARGS_FLAGS:
                raise Unparseable(f"xargs: option -{letter} is not supported")
    inner = args[i:] or (Word("echo"),)
    if replace:
        inner = tuple(Word(w.text, "opaque") if replace in w.text else w for w in inner)
    return Unwrapped(inner, extra_args=True)


def _shell(args: tuple[Word, ...]) -> Unwrapped | None:
    texts = [w.text for w in args]
    has_c = False
    i = 0
    while i < len(args):
        t = texts[i]
        if not args[i].literal:
            if has_c:
                raise Unparseable("shell -c: the command string is not a plain string")
            raise Unparseable("the shell's arguments are only known when it runs")
        if t in ("--version", "--help") and i == 0:
            return None
        if t == "--" or not t.startswith(("-", "+")) or t in ("-", "+"):
            if t == "--":
                i += 1
            break
        if t.startswith("--"):
            if t not in ("--norc", "--noprofile", "--login", "--posix", "--noediting"):
                raise Unparseable(f"shell: option {t!r} is not supported")
            i += 1
            continue
        letters = t[1:]
        if "O" in letters:
            raise Unparseable("shell -O changes how commands are parsed")
        if "c" in letters and t.startswith("-"):
            has_c = True
        if "s" in letters or "i" in letters:
            raise Unparseable("the shell reads its commands from standard input")
        if "o" in letters:
            i += 1
        i += 1
    if not has_c:
        # Commands come from stdin (`echo 'rm x' | bash`, `bash <<< ...`) or a script
        # file that may change before it runs: neither can be checked here.
        if i >= len(args):
            raise Unparseable("the shell reads its commands from standard input")
        raise Unparseable(f"the shell runs the commands in the file {texts[i]}")
    if i >= len(args):
        raise Unparseable("shell -c without a command string")
    if not args[i].literal:
        raise Unparseable("shell -c: the command string is not a plain string")
    return Unwrapped((), shell_string=texts[i])


def _other_shell(args: tuple[Word, ...]) -> Unwrapped | None:
    if len(args) == 1 and args[0].literal and args[0].text in ("--version", "--help"):
        return None
    raise Unparseable("another shell's grammar cannot be checked")


WRAPPERS: dict[str, Callable[[tuple[Word, ...]], Unwrapped | None]] = {
    "env": _env,
    "timeout": _timeout,
    "nice": _nice,
    "nohup": simple_prefix("nohup", frozenset()),
    "time": simple_prefix("time", frozenset({"-p", "-v", "--verbose", "--quiet"}), frozenset({"-f", "--format"})),
    "command": _command,
    "exec": simple_prefix("exec", frozenset({"-c", "-l"}), frozenset({"-a"})),
    "builtin": simple_prefix("builtin", frozenset()),
    "sudo": _sudo,
    "doas": _doas,
    "xargs": _xargs,
    **dict.fromkeys(BASH_LIKE_SHELLS, _shell),
    **dict.fromkeys(OTHER_SHELLS, _other_shell),
    **LAUNCHERS,
}


def command_name(word: Word) -> str:
    """The name a command word runs, for wrapper lookup (`/usr/bin/env` -> `env`)."""
    return word.text.rsplit("/", 1)[-1] if "/" in word.text else word.text


def unwrap_once(words: tuple[Word, ...]) -> Unwrapped | None:
    """Peel one wrapper off `words`; None when the command is not a wrapper use.

    Raises Unparseable when the wrapper's own arguments cannot be read.
    """
    if not words or not words[0].literal:
        return None
    handler = WRAPPERS.get(command_name(words[0]))
    return handler(words[1:]) if handler else None
