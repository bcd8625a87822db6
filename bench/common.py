"""Helpers for the benchmarks: timing commands, the scripted model server in its own process.

`run_once` measures one command with `wait4`, so wall time, CPU time (user + system, the
command and every descendant it waited for) and peak RSS (the largest single process of
the tree) belong to that command alone, not to everything the benchmark ran before it.
A `letta -p` that handed its run to our preload server has that run's CPU time and peak
RSS added: the client reports them (LETTA_PRELOAD_RUSAGE), as `wait4` cannot see them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    out: str = ""


class CommandFailed(RuntimeError):
    """A measured command exited non-zero, timed out, or did not print what it should."""


def run_once(
    cmd: list[str],
    env: dict[str, str],
    cwd: Path,
    *,
    timeout: float = 300.0,
    expect: str | None = None,
) -> Sample:
    """Run a command; its wall time, CPU time and peak RSS (see the module docstring)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        killer = threading.Timer(timeout, _kill_group, (proc.pid,))
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        reason = "timed out" if wall >= timeout else f"exit {proc.returncode}"
        tail = (stderr.strip() or stdout.strip())[-800:]
        raise CommandFailed(f"`{' '.join(cmd)}` failed ({reason}): {tail}")
    if expect is not None and expect not in stdout:
        raise CommandFailed(f"`{' '.join(cmd)}` did not print {expect!r}: {stdout.strip()[-400:]}")
    cpu, rss_kb = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    for served in _served_usage(env):
        cpu += served.get("user", 0.0) + served.get("system", 0.0)
        rss_kb = max(rss_kb, int(served.get("maxrss_kb", 0)))
    return Sample(wall, cpu, rss_kb / 1024, stdout)


def _served_usage(env: dict[str, str]) -> list[dict[str, float]]:
    """What the preload server reported for the runs it served since the last call."""
    where = env.get("LETTA_PRELOAD_RUSAGE")
    if not where or not os.path.exists(where):
        return []
    with open(where, "r+", encoding="utf-8") as f:
        lines = f.read().splitlines()
        f.truncate(0)
    return [{k: float(v) for k, v in (pair.split("=", 1) for pair in line.split())} for line in lines if line]


def stop_preload_servers(env: dict[str, str]) -> None:
    """Kill the preload servers a scenario's `letta -p` runs started (in its own runtime folder)."""
    folder = Path(env.get("XDG_RUNTIME_DIR", "/nonexistent")) / "letta-preload"
    for lock in folder.glob("*.lock"):
        pid = lock.read_text().strip()
        if pid.isdigit():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def summarize(samples: list[Sample]) -> dict[str, float]:
    """Medians with min/max of wall (ms), CPU (ms) and peak RSS (MB)."""
    walls = [s.wall * 1000 for s in samples]
    cpus = [s.cpu * 1000 for s in samples]
    rsss = [s.rss_mb for s in samples]
    return {
        "runs": len(samples),
        "median_ms": statistics.median(walls),
        "min_ms": min(walls),
        "max_ms": max(walls),
        "cpu_ms": statistics.median(cpus),
        "cpu_min_ms": min(cpus),
        "cpu_max_ms": max(cpus),
        "rss_mb": statistics.median(rsss),
        "rss_min_mb": min(rsss),
        "rss_max_mb": max(rsss),
    }


def repeat(
    cmd: list[str],
    env: dict[str, str],
    cwd: Path,
    runs: int,
    warmup: int = 1,
    *,
    timeout: float = 300.0,
    expect: str | None = None,
) -> dict[str, float]:
    for _ in range(warmup):
        run_once(cmd, env, cwd, timeout=timeout, expect=expect)
    return summarize([run_once(cmd, env, cwd, timeout=timeout, expect=expect) for _ in range(runs)])


class _ServerProcess:
    """A helper server in its own process that prints `... listening on http://HOST:PORT`."""

    url: str

    def _start(self, cmd: list[str], env: dict[str, str] | None = None, timeout: float = 60.0) -> None:
        self.log = Path(tempfile.mkstemp(suffix=".log")[1])
        self._log = self.log.open("w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self._log, text=True)
        assert self.proc.stdout is not None
        line = _readline(self.proc.stdout, timeout)
        if " listening on " not in line:
            self.stop()
            raise RuntimeError(f"{' '.join(cmd)} did not start: {line.strip()} {self.log.read_text()[-800:]}")
        self.url = line.split(" listening on ", 1)[1].split()[0].rstrip("/")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        self.log.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _readline(stream: Any, timeout: float) -> str:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0] if result else "(no output in time)"


class ModelServerProcess(_ServerProcess):
    """The scripted model server (`letta_code.testing`) in a separate process, looping a fixed script."""

    def __init__(self, replies: list[dict[str, object]]) -> None:
        self.script = Path(tempfile.mkstemp(suffix=".json")[1])
        self.script.write_text(json.dumps(replies))
        cmd = [
            sys.executable,
            "-m",
            "letta_code.testing",
            "--port",
            "0",
            "--script",
            str(self.script),
        ]
        self._start([*cmd, "--loop"])

    def env(self) -> dict[str, str]:
        return {"OPENAI_API_KEY": "bench", "OPENAI_BASE_URL": f"{self.url}/v1"}

    def stop(self) -> None:
        super().stop()
        self.script.unlink(missing_ok=True)


class FakeModel(_ServerProcess):
    """`bench/fake_model.py`: N Bash calls, then a final text, for any client and conversation."""

    def __init__(self, tools: int = 0, keep: int = 1000) -> None:
        script = str(ROOT / "bench" / "fake_model.py")
        self._start([sys.executable, script, "--tools", str(tools), "--keep", str(keep)])

    def env(self) -> dict[str, str]:
        return {"OPENAI_API_KEY": "bench", "OPENAI_BASE_URL": f"{self.url}/v1"}

    def model_requests(self) -> list[dict[str, Any]]:
        """Bodies of the chat-completion requests the server still remembers, oldest first."""
        with urllib.request.urlopen(f"{self.url}/__requests__", timeout=30) as resp:
            reqs = json.load(resp)
        return [r["body"] for r in reqs if r["method"] == "POST" and r["path"].endswith("/chat/completions")]


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "LETTA_"))}
    env.update(extra)
    return env
