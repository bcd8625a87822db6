"""Input latency of the interactive `letta`: key press to echo, idle and while an answer streams.

Usage: python -m bench.bench_tui_latency [--presses N] [--chunk-delay S] [--words N] [--after N]

Runs the real `letta` in a private tmux server (100x50) against the scripted model server
(`letta_code.testing`, in its own process). For each key press it sends one marker character with
`tmux send-keys` and polls `capture-pane` until the character shows on screen; the time
from just before send-keys to the first capture that shows it is the latency (so it
includes tmux's own round trips, a few milliseconds). Two phases:

  idle       the input prompt is waiting, nothing else is running
  streaming  the fake model streams a long answer slowly (one word every --chunk-delay
             seconds, `Reply.chunk_delay`), and the keys are typed ahead while it does,
             starting --after words into it (so the answer on screen is already long)
  floor      the same measurement against `cat` in tmux: what tmux and the polling
             add on their own

Prints median, p95 and max over N presses for each phase (and how many presses never
showed within --timeout). Presses are spaced by a random 50-150 ms so they do not line
up with the stream's frames.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.common import ModelServerProcess, clean_env

MARKER = "Q"  # never in the streamed words, the banner or the status line
READY_MARK = "⏵"  # the status toolbar under the input prompt


class Tmux:
    """One `letta` in a private tmux server."""

    def __init__(self, workdir: Path, env: dict[str, str], cwd: Path, argv: list[str], name: str = "run") -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            raise SystemExit("tmux is not installed")
        self.base = [tmux, "-L", f"letta-bench-{uuid.uuid4().hex[:10]}", "-f", "/dev/null"]
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items() if k.isidentifier())
        script = workdir / f"{name}.sh"
        command = " ".join(shlex.quote(a) for a in argv)
        script.write_text(f"{exports}cd {shlex.quote(str(cwd))}\n{command}\nsleep 600\n")
        self.run("new-session", "-d", "-s", "main", "-x", "100", "-y", "50", "bash", "--norc", str(script))

    def run(self, *args: str) -> str:
        return subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=10).stdout

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "main", "-l", text)

    def visible(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main")

    def wait(self, predicate: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.visible()
            if predicate(screen):
                return screen
            time.sleep(0.05)
        raise SystemExit(f"timed out waiting for {what}; the terminal shows:\n{screen}")

    def wait_ready(self) -> None:
        def ready(screen: str) -> bool:
            lines = [ln for ln in screen.splitlines() if ln.strip()]
            return bool(lines) and READY_MARK in lines[-1]

        self.wait(ready, "the input prompt")

    def app_pid(self) -> int:
        """The process the pane's shell started (`letta`)."""
        shell = self.run("display-message", "-p", "-t", "main", "#{pane_pid}").strip()
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", shell], capture_output=True, text=True).stdout
        return int(out.split()[0])

    def close(self) -> None:
        self.run("kill-server")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(term: Tmux, presses: int, timeout: float, poll: float) -> tuple[list[float], int]:
    """Latencies (seconds) of `presses` marker key presses, and how many never echoed."""
    latencies: list[float] = []
    missed = 0
    seen = term.visible().count(MARKER)
    for _ in range(presses):
        time.sleep(random.uniform(0.05, 0.15))
        start = time.perf_counter()
        term.type(MARKER)
        while True:
            count = term.visible().count(MARKER)
            elapsed = time.perf_counter() - start
            if count > seen:
                latencies.append(elapsed)
                seen = count
                break
            if elapsed > timeout:
                missed += 1
                break
            time.sleep(poll)
        if missed and not latencies:
            break  # nothing echoes at all: don't wait `timeout` for every press
    return latencies, missed


def summary(name: str, latencies: list[float], missed: int, presses: int) -> str:
    if not latencies:
        return f"{name:10} no echo within the timeout ({missed}/{presses} presses tried)"
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)]
    line = f"{name:10} n={len(ms):<3} median {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   max {ms[-1]:6.1f} ms"
    return line + (f"   ({missed} never echoed)" if missed else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--presses", type=int, default=20, help="key presses per phase (default 20)")
    parser.add_argument("--chunk-delay", type=float, default=0.02, help="seconds between streamed words")
    parser.add_argument("--words", type=int, default=3000, help="length of the streamed answer")
    parser.add_argument("--after", type=int, default=500, help="start typing once this many words streamed")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for one echo")
    parser.add_argument("--poll", type=float, default=0.002, help="seconds between captures")
    parser.add_argument("--json", action="store_true", help="print the raw numbers as JSON too")
    opts = parser.parse_args()

    words = [f"word{i}" + ("\n\n" if i % 40 == 39 else "") for i in range(opts.words)]
    reply = {"text": " ".join(words), "chunk_delay": opts.chunk_delay}
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, ModelServerProcess([reply]) as server:
        home, project = Path(tmp) / "home", Path(tmp) / "project"
        project.mkdir()
        env = clean_env({**server.env(), "LETTA_HOME": str(home), "TERM": "xterm-256color"})
        env.pop("NO_COLOR", None)
        letta = str(Path(sys.executable).parent / "letta")
        term = Tmux(Path(tmp), env, project, [letta, "-m", "openai/gpt-4.1"])
        try:
            term.wait_ready()
            idle, idle_missed = measure(term, opts.presses, opts.timeout, opts.poll)
            results["idle"] = idle
            term.keys("C-u")
            term.wait(lambda s: MARKER not in s, "the cleared input")

            term.type("tell me a long story")
            term.keys("Enter")
            term.wait(
                lambda s: f"word{opts.after} " in s, "the answer to stream", timeout=opts.after * opts.chunk_delay + 30
            )
            pid = term.app_pid()
            cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
            streaming, stream_missed = measure(term, opts.presses, opts.timeout, opts.poll)
            cpu_share = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - wall0)
            results["streaming"] = streaming
            still = "esc to interrupt" in term.visible()
            term.keys("Escape")
        finally:
            term.close()
        floor_term = Tmux(Path(tmp), env, project, ["cat"], name="floor")
        try:
            floor_term.wait(lambda s: True, "cat")
            floor, floor_missed = measure(floor_term, opts.presses, opts.timeout, opts.poll)
            results["floor"] = floor
        finally:
            floor_term.close()

    print(f"letta TUI key-to-echo latency, {opts.presses} presses per phase, tmux 100x50")
    print(f"stream: {opts.words} words, one every {opts.chunk_delay * 1000:.0f} ms; typing from word {opts.after} on")
    print(summary("idle", idle, idle_missed, opts.presses))
    print(summary("streaming", streaming, stream_missed, opts.presses) + f"   (letta CPU {cpu_share:.0%})")
    print(summary("floor", floor, floor_missed, opts.presses) + "   (cat in tmux)")
    if not still:
        print("note: the answer finished before the streaming phase did (use more --words)")
    if opts.json:
        print(json.dumps({k: [round(x * 1000, 2) for x in v] for k, v in results.items()}))
    return 0 if streaming and idle else 1


if __name__ == "__main__":
    sys.exit(main())
