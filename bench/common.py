"""Helpers for the benchmarks: timing commands, the scripted model server in its own process."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float


def run_once(cmd: list[str], env: dict[str, str], cwd: Path) -> Sample:
    """Run a command; wall time, CPU time of the child, and its peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu, after.ru_maxrss / 1024)


def summarize(samples: list[Sample]) -> dict[str, float]:
    walls = [s.wall for s in samples]
    return {
        "median_ms": statistics.median(walls) * 1000,
        "min_ms": min(walls) * 1000,
        "max_ms": max(walls) * 1000,
        "cpu_ms": statistics.median(s.cpu for s in samples) * 1000,
        "rss_mb": max(s.rss_mb for s in samples),
    }


def repeat(cmd: list[str], env: dict[str, str], cwd: Path, runs: int, warmup: int = 1) -> dict[str, float]:
    for _ in range(warmup):
        run_once(cmd, env, cwd)
    return summarize([run_once(cmd, env, cwd) for _ in range(runs)])


class ModelServerProcess:
    """The scripted model server (tests/fakes) in a separate process, looping a script."""

    def __init__(self, replies: list[dict[str, object]]) -> None:
        self.script = Path(tempfile.mkstemp(suffix=".json")[1])
        self.script.write_text(json.dumps(replies))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.model_server", "--port", "0", "--script", str(self.script), "--loop"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        self.url = line.strip().rsplit(" ", 1)[-1]

    def env(self) -> dict[str, str]:
        return {"OPENAI_API_KEY": "bench", "OPENAI_BASE_URL": f"{self.url}/v1"}

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.script.unlink(missing_ok=True)


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "LETTA_"))}
    env.update(extra)
    return env
