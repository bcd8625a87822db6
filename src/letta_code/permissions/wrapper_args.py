"""What a wrapper's parser returns, and helpers for reading a wrapper's own options.

Shared by `wrappers` (env, timeout, sudo, xargs, shells, ...) and `launchers`
(setsid, stdbuf, flock, script, watch, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from letta_code.permissions.words import Word


class Unparseable(Exception):
    """The wrapper's arguments cannot be read confidently."""


@dataclass(frozen=True)
class Unwrapped:
    """The command inside a wrapper."""

    words: tuple[Word, ...]
    transparent: bool = True
    extra_args: bool = False
    shell_string: str | None = None  # set for `bash -c STRING`


def plain_texts(args: tuple[Word, ...], what: str) -> list[str]:
    for word in args:
        if not word.literal and word.text.startswith("-"):
            raise Unparseable(f"{what}: option {word.text!r} is not a plain word")
    return [w.text for w in args]


def simple_prefix(
    name: str, allowed: frozenset[str], with_value: frozenset[str] = frozenset()
) -> Callable[[tuple[Word, ...]], Unwrapped | None]:
    def unwrap(args: tuple[Word, ...]) -> Unwrapped | None:
        texts = plain_texts(args, name)
        i = 0
        while i < len(texts) and texts[i].startswith("-") and texts[i] != "-":
            t = texts[i]
            if t == "--":
                i += 1
                break
            if t in with_value:
                i += 2
                continue
            if t not in allowed:
                raise Unparseable(f"{name}: option {t!r} is not supported")
            i += 1
        return Unwrapped(args[i:]) if i < len(args) else None

    return unwrap
