"""Programs that start another program with changed process attributes.

`setsid`, `stdbuf`, `ionice`, `chrt`, `taskset` run the inner command unchanged
(transparent: an allow rule for the inner command covers them). `unshare`,
`flock` (it creates its lock file), `script -c` (it writes a typescript) and
`watch` (it runs the command again and again, through `sh -c`) are not: only a
rule for the whole line allows them, while deny and ask rules see the inner
command. An option not listed here makes the command unparseable, so it asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from letta_code.permissions.words import Word
from letta_code.permissions.wrapper_args import Unparseable, Unwrapped, plain_texts


@dataclass(frozen=True)
class LauncherSpec:
    """How a launcher's options look: `-x` flags, options taking a value, options that
    mean it runs no command (`taskset -p PID`), and plain words before the command."""

    name: str
    flags: frozenset[str]
    with_value: frozenset[str] = frozenset()
    no_command: frozenset[str] = frozenset()
    leading_words: int = 0
    transparent: bool = True


def _option_end(spec: LauncherSpec, texts: list[str]) -> int | None:
    """Index of the first word after the options; None when no command is run."""
    i = 0
    while i < len(texts) and texts[i].startswith("-") and texts[i] != "-":
        t = texts[i]
        if t == "--":
            return i + 1
        head = t.split("=", 1)[0]
        if head in spec.no_command:
            return None
        if t.startswith("--"):
            if head in spec.with_value:
                i += 1 if "=" in t else 2
                continue
            if t in spec.flags or ("=" in t and head in spec.flags):
                i += 1
                continue
            raise Unparseable(f"{spec.name}: option {t!r} is not supported")
        i = _short_options(spec, t, i)
    return i


def _short_options(spec: LauncherSpec, text: str, i: int) -> int:
    """Read `-abc` / `-oL` / `-n 5`; returns the index after it (and its value)."""
    for pos, letter in enumerate(text[1:], start=1):
        option = "-" + letter
        if option in spec.no_command:
            raise Unparseable(f"{spec.name}: {option} does not run a command we can read")
        if option in spec.with_value:
            return i + 1 if pos < len(text) - 1 else i + 2
        if option not in spec.flags:
            raise Unparseable(f"{spec.name}: option {option!r} is not supported")
    return i + 1


def _launcher(spec: LauncherSpec) -> Callable[[tuple[Word, ...]], Unwrapped | None]:
    def unwrap(args: tuple[Word, ...]) -> Unwrapped | None:
        end = _option_end(spec, plain_texts(args, spec.name))
        if end is None:
            return None
        for word in args[end : end + spec.leading_words]:
            if not word.literal:
                raise Unparseable(f"{spec.name}: {word.text!r} is not a plain word")
        start = end + spec.leading_words
        return Unwrapped(args[start:], spec.transparent) if start < len(args) else None

    return unwrap


def _flock(args: tuple[Word, ...]) -> Unwrapped | None:
    spec = LauncherSpec(
        "flock",
        frozenset(
            {
                "-s",
                "-x",
                "-e",
                "-u",
                "-n",
                "-o",
                "-F",
                "--shared",
                "--exclusive",
                "--unlock",
                "--nonblock",
                "--nb",
                "--close",
                "--no-fork",
                "--verbose",
            }
        ),
        frozenset({"-w", "-E", "--timeout", "--wait", "--conflict-exit-code"}),
        transparent=False,
    )
    texts = plain_texts(args, "flock")
    end = _option_end(spec, texts)
    if end is None or end >= len(args):
        return None
    if not args[end].literal:
        raise Unparseable("flock: the lock file is not a plain word")
    rest = args[end + 1 :]
    if rest and rest[0].literal and rest[0].text in ("-c", "--command"):
        if len(rest) < 2 or not rest[1].literal:
            raise Unparseable("flock -c: the command string is not a plain string")
        return Unwrapped((), transparent=False, shell_string=rest[1].text)
    return Unwrapped(rest, transparent=False) if rest else None


def _script(args: tuple[Word, ...]) -> Unwrapped | None:
    texts = plain_texts(args, "script")
    flags = {"-a", "-e", "-f", "-q", "--append", "--return", "--flush", "--quiet"}
    valued = {
        "-E",
        "-I",
        "-O",
        "-B",
        "-T",
        "-m",
        "--echo",
        "--log-in",
        "--log-out",
        "--log-io",
        "--log-timing",
        "--logging-format",
        "--output-limit",
    }
    i = 0
    while i < len(texts):
        t = texts[i]
        if t in ("-c", "--command") or t.startswith("--command="):
            command = t.split("=", 1)[1] if "=" in t else (texts[i + 1] if i + 1 < len(texts) else None)
            if command is None or (i + 1 < len(args) and "=" not in t and not args[i + 1].literal):
                raise Unparseable("script -c: the command string is not a plain string")
            return Unwrapped((), transparent=False, shell_string=command)
        if t in flags or (t.startswith("-t") and len(t) <= 2) or t.startswith("--timing"):
            i += 1
        elif t.split("=", 1)[0] in valued:
            i += 1 if "=" in t else 2
        elif t.startswith("-"):
            raise Unparseable(f"script: option {t!r} is not supported")
        else:
            i += 1  # the typescript file
    return None  # without -c it starts an interactive shell on the terminal


def _watch(args: tuple[Word, ...]) -> Unwrapped | None:
    spec = LauncherSpec(
        "watch",
        frozenset(
            {
                "-d",
                "-t",
                "-b",
                "-e",
                "-g",
                "-c",
                "-x",
                "-p",
                "-w",
                "-r",
                "--differences",
                "--no-title",
                "--beep",
                "--errexit",
                "--chgexit",
                "--color",
                "--exec",
                "--precise",
                "--no-wrap",
                "--no-rerun",
            }
        ),
        frozenset({"-n", "--interval", "-q", "--equexit"}),
        transparent=False,
    )
    texts = plain_texts(args, "watch")
    end = _option_end(spec, texts)
    if end is None or end >= len(args):
        return None
    inner = args[end:]
    if any(t in ("-x", "--exec") for t in texts[:end]):
        return Unwrapped(inner, transparent=False)
    if not all(w.literal for w in inner):
        raise Unparseable("watch: the command is not made of plain words")
    return Unwrapped((), transparent=False, shell_string=" ".join(w.text for w in inner))


LAUNCHERS: dict[str, Callable[[tuple[Word, ...]], Unwrapped | None]] = {
    "setsid": _launcher(LauncherSpec("setsid", frozenset({"-c", "-f", "-w", "--ctty", "--fork", "--wait"}))),
    "stdbuf": _launcher(
        LauncherSpec("stdbuf", frozenset(), frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}))
    ),
    "ionice": _launcher(
        LauncherSpec(
            "ionice",
            frozenset({"-t", "--ignore"}),
            frozenset({"-c", "-n", "--class", "--classdata"}),
            frozenset({"-p", "--pid", "-P", "--pgid", "-u", "--uid"}),
        )
    ),
    "chrt": _launcher(
        LauncherSpec(
            "chrt",
            frozenset(
                {
                    "-a",
                    "-b",
                    "-d",
                    "-f",
                    "-i",
                    "-o",
                    "-r",
                    "-R",
                    "-v",
                    "--all-tasks",
                    "--batch",
                    "--deadline",
                    "--fifo",
                    "--idle",
                    "--other",
                    "--rr",
                    "--reset-on-fork",
                    "--verbose",
                }
            ),
            frozenset({"-T", "-P", "-D", "--sched-runtime", "--sched-period", "--sched-deadline"}),
            frozenset({"-p", "--pid", "-m", "--max"}),
            leading_words=1,
        )
    ),
    "taskset": _launcher(
        LauncherSpec(
            "taskset",
            frozenset({"-a", "-c", "--all-tasks", "--cpu-list"}),
            frozenset(),
            frozenset({"-p", "--pid"}),
            leading_words=1,
        )
    ),
    "unshare": _launcher(
        LauncherSpec(
            "unshare",
            frozenset(
                {
                    "-m",
                    "-u",
                    "-i",
                    "-n",
                    "-p",
                    "-U",
                    "-C",
                    "-T",
                    "-f",
                    "-r",
                    "-c",
                    "--mount",
                    "--uts",
                    "--ipc",
                    "--net",
                    "--pid",
                    "--user",
                    "--cgroup",
                    "--time",
                    "--fork",
                    "--map-root-user",
                    "--map-current-user",
                    "--mount-proc",
                    "--kill-child",
                    "--keep-caps",
                }
            ),
            frozenset(
                {
                    "-S",
                    "-G",
                    "-R",
                    "-w",
                    "--setuid",
                    "--setgid",
                    "--root",
                    "--wd",
                    "--propagation",
                    "--setgroups",
                    "--map-user",
                    "--map-group",
                    "--map-users",
                    "--map-groups",
                    "--monotonic",
                    "--boottime",
                }
            ),
            transparent=False,
        )
    ),
    "flock": _flock,
    "script": _script,
    "watch": _watch,
}
