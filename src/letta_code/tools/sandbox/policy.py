"""What the Bash sandbox allows: the typed policy both backends enforce.

Paths are absolute real paths (symlinks resolved) so that the policy, the mounts and
the messages all speak of the same files. The CLI builds the policy from the settings
and the permission checker's deny rules; the tools only enforce it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def real_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[str, ...]:
    """Absolute real paths, each once, in the given order."""
    seen: dict[str, None] = {}
    for path in paths:
        seen.setdefault(os.path.realpath(os.path.expanduser(os.fspath(path))), None)
    return tuple(seen)


def within(path: str, roots: Sequence[str]) -> bool:
    """Is the absolute `path` one of `roots` or below one of them?"""
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


@dataclass(frozen=True)
class SandboxPolicy:
    """Where a sandboxed command may write, what it may not read, and whether it may connect.

    - `writable`: folders the command may change (the project, the system temp
      folder, `allowWrite` entries); everything else is read-only.
    - `write_protected`: paths inside the writable folders that stay read-only
      (`.git/config`, `.git/hooks`, `.letta/`, settings files, `Edit(...)` deny rules).
    - `read_masked`: paths whose content the command can neither read nor change
      (`Read(...)` deny rules); they appear as an empty file or folder.
    - `network`: False cuts every network connection (loopback too, bar a private one).
    """

    writable: tuple[str, ...]
    write_protected: tuple[str, ...] = ()
    read_masked: tuple[str, ...] = ()
    network: bool = False

    @classmethod
    def build(
        cls,
        writable: Iterable[str | os.PathLike[str]],
        write_protected: Iterable[str | os.PathLike[str]] = (),
        read_masked: Iterable[str | os.PathLike[str]] = (),
        *,
        network: bool = False,
    ) -> SandboxPolicy:
        """A policy from any paths (relative to the current folder, `~` allowed)."""
        return cls(real_paths(writable), real_paths(write_protected), real_paths(read_masked), network)
