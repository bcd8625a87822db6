"""The bubblewrap backend of the Bash sandbox: the `bwrap` argv around `bash -c CMD`.

The command sees the whole filesystem read-only (`--ro-bind / /`), a private `/dev`
and `/proc` (its own pid namespace, so `/proc/<pid>/root` of an outside process is no
way out), the writable roots bound read-write, then the write-protected paths bound
read-only over them, then every read-masked path covered by an empty read-only file or
folder (a missing `.git/hooks` or `.letta` gets an empty read-only folder, so the
command cannot create one). All capabilities are dropped (bwrap sets no_new_privs), so even root inside
cannot unmount a mask or remount `/`. `--unshare-net` leaves only a private loopback
unless the network is allowed. `--die-with-parent` and the pid namespace mean that
killing the process group (or just `bwrap` itself) ends every process of the command,
even one that left the group with `setsid`.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from letta_code.tools.sandbox.policy import within

_BASE = ("--die-with-parent", "--unshare-pid", "--cap-drop", "ALL")
# Protected folders that may not exist yet: an empty read-only folder keeps them empty.
DIR_PLACEHOLDERS = frozenset({"hooks", ".letta"})
_FILESYSTEM = ("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc")


@functools.cache
def executable() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def works() -> bool:
    """Does `bwrap` run a sandbox with every option we use here? Probed once per process."""
    exe = executable()
    if exe is None:
        return False
    try:
        done = subprocess.run(
            [exe, *_BASE, "--unshare-net", *_FILESYSTEM, "true"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@dataclass(frozen=True)
class Masks:
    """An empty read-only file and folder to mount over read-denied paths."""

    folder: str
    empty_file: str
    empty_dir: str


@functools.cache
def masks() -> Masks:
    """Created once per process in a private folder that is removed at exit."""
    folder = tempfile.mkdtemp(prefix="letta-sandbox-")
    empty_file = os.path.join(folder, "empty")
    empty_dir = os.path.join(folder, "empty.d")
    Path(empty_file).touch()
    os.mkdir(empty_dir)
    os.chmod(empty_file, 0o444)
    os.chmod(empty_dir, 0o555)
    atexit.register(shutil.rmtree, folder, True)
    return Masks(folder, empty_file, empty_dir)


def _unique(paths: Sequence[str]) -> list[str]:
    """Real paths, each once, parents before children (mount order matters)."""
    seen = dict.fromkeys(os.path.realpath(p) for p in paths)
    return sorted(seen, key=lambda p: (p.count(os.sep), p))


@dataclass(frozen=True)
class Mounts:
    """The session's mounts; which of them apply is decided per command (paths come and go)."""

    network: bool
    writable: tuple[str, ...]
    protected: tuple[str, ...]
    masked: tuple[str, ...]


def mounts(writable: Sequence[str], protected: Sequence[str], masked: Sequence[str], *, network: bool) -> Mounts:
    if executable() is None:
        raise FileNotFoundError("bwrap is not installed")
    masks()
    return Mounts(network, tuple(_unique(writable)), tuple(_unique(protected)), tuple(_unique(masked)))


def _can_create(path: str, writable: Sequence[str]) -> bool:
    parent = os.path.dirname(path)
    return os.path.isdir(parent) and within(parent, writable)


def command(plan: Mounts, cwd: Path, argv: Sequence[str]) -> list[str]:
    """The full `bwrap ... -- argv` for one command started in `cwd`.

    A path that no longer exists is skipped (bwrap would otherwise fail, or create it);
    a masked path is covered with an empty file or folder as it is now.
    """
    exe = executable()
    if exe is None:
        raise FileNotFoundError("bwrap is not installed")
    out = [exe, *_BASE]
    if not plan.network:
        out.append("--unshare-net")
    out += _FILESYSTEM
    for root in plan.writable:
        if os.path.isdir(root):
            out += ["--bind", root, root]
    mask = masks()
    for path in plan.protected:
        if os.path.lexists(path):
            out += ["--ro-bind", path, path]
        elif os.path.basename(path) in DIR_PLACEHOLDERS and _can_create(path, plan.writable):
            out += ["--ro-bind", mask.empty_dir, path]  # bwrap makes the (empty) mount point
    for path in plan.masked:
        if os.path.lexists(path):
            out += ["--ro-bind", mask.empty_dir if os.path.isdir(path) else mask.empty_file, path]
    out += ["--ro-bind", mask.folder, mask.folder]
    return [*out, "--chdir", os.fspath(cwd), "--", *argv]
