"""The Bash sandbox: the second wall, an OS sandbox around every command the Bash tool runs.

Typical use (the CLI does this once per session)::

    policy = SandboxPolicy.build(writable=[project, tempfile.gettempdir()], ...)
    sandbox = open_sandbox(policy)          # None: no backend works here
    plan = sandbox.wrap(["bash", "-c", cmd], cwd)
    subprocess.Popen(plan.argv, preexec_fn=plan.preexec_fn, start_new_session=True, ...)

Two backends, probed once per process and cached (a few milliseconds):

- `bubblewrap` (preferred): mount namespace with `/` read-only, the writable roots
  bound read-write, protected paths read-only again, read-denied paths masked,
  capabilities dropped, its own pid namespace, no network unless allowed.
- `landlock` (when `bwrap` is missing or cannot create namespaces): a kernel ruleset
  enforced in the child; writes only beneath the writable roots, TCP off (ABI >= 4).
  It cannot mask files nor protect `.git/config` inside the project (see `landlock`).

Importing this package imports neither backend; `letta --version` never pays for it.
Part of `tools`, so it must not import `cli`, `harness`, `service`, `server`, `client`,
`permissions` or `schemas` (contract "tools import only config"): the CLI turns the
permission rules into the `SandboxPolicy` it enforces (`cli/sandbox_setup.py`).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from letta_code.tools.sandbox.policy import SandboxPolicy, real_paths, within

if TYPE_CHECKING:
    from letta_code.tools.sandbox import bwrap

Backend = Literal["bubblewrap", "landlock"]
BACKENDS: tuple[Backend, ...] = ("bubblewrap", "landlock")

__all__ = ["BACKENDS", "Backend", "Sandbox", "SandboxPolicy", "SpawnPlan", "open_sandbox", "real_paths", "within"]


@dataclass(frozen=True)
class SpawnPlan:
    """How to start one sandboxed command: its argv and what the child runs before exec."""

    argv: list[str]
    preexec_fn: Callable[[], None] | None = None


def backend_works(backend: Backend) -> bool:
    """Can `backend` sandbox a command on this machine? (Cached per process.)"""
    if backend == "bubblewrap":
        from letta_code.tools.sandbox import bwrap

        return bwrap.works()
    from letta_code.tools.sandbox import landlock

    return landlock.works()


def pick_backend(preferred: str | None = None) -> Backend | None:
    """The backend to use: `preferred` if given and working, else the first that works."""
    if preferred:
        if preferred not in BACKENDS:
            raise ValueError(f"unknown sandbox backend {preferred!r}; use one of {', '.join(BACKENDS)}")
        chosen: Backend = "bubblewrap" if preferred == "bubblewrap" else "landlock"
        return chosen if backend_works(chosen) else None
    return next((b for b in BACKENDS if backend_works(b)), None)


class Sandbox:
    """A policy bound to a working backend, ready to wrap commands."""

    def __init__(self, policy: SandboxPolicy, backend: Backend) -> None:
        self.policy = policy
        self.backend: Backend = backend
        self._mounts: bwrap.Mounts | None = None
        self._ruleset: int | None = None
        if backend == "bubblewrap":
            from letta_code.tools.sandbox import bwrap

            self._mounts = bwrap.mounts(
                policy.writable, policy.write_protected, policy.read_masked, network=policy.network
            )
        else:
            from letta_code.tools.sandbox import landlock

            self._ruleset = landlock.build_ruleset(policy.writable, network=policy.network)

    def wrap(self, argv: Sequence[str], cwd: Path) -> SpawnPlan:
        """The sandboxed form of `argv`, run in `cwd`."""
        if self.backend == "bubblewrap":
            from letta_code.tools.sandbox import bwrap

            assert self._mounts is not None
            return SpawnPlan(bwrap.command(self._mounts, cwd, argv))
        from letta_code.tools.sandbox import landlock

        assert self._ruleset is not None
        return SpawnPlan(list(argv), functools.partial(landlock.restrict_self, self._ruleset))

    def explain(self, stderr: str, cwd: Path) -> list[str]:
        """`blocked by the sandbox: ...` lines for a command's stderr (see `explain`)."""
        from letta_code.tools.sandbox.explain import explain

        return explain(stderr, cwd, self.policy, landlock=self.backend == "landlock")

    def close(self) -> None:
        if self._ruleset is not None:
            with contextlib.suppress(OSError):
                os.close(self._ruleset)
            self._ruleset = None

    def __repr__(self) -> str:
        return f"Sandbox({self.backend}, {self.policy!r})"


def open_sandbox(policy: SandboxPolicy, backend: str | None = None) -> Sandbox | None:
    """A Sandbox for `policy` on the first working backend (or `backend`); None if none works."""
    chosen = pick_backend(backend)
    if chosen is None:
        return None
    try:
        return Sandbox(policy, chosen)
    except OSError:
        if backend is None and chosen == "bubblewrap" and backend_works("landlock"):
            return Sandbox(policy, "landlock")
        return None
