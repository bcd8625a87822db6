"""Startup and one headless turn: `letta --version`, `--help`, and `letta -p` with one Bash call.

Usage: python -m bench.bench_startup [--runs N]
Prints medians (and min/max, CPU, peak RSS) over N runs after a warm-up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.common import ModelServerProcess, clean_env, repeat

ONE_TOOL_SCRIPT = [
    {"tool_calls": [["Bash", {"command": "echo hi"}]]},
    {"text": "Done: it printed hi."},
]


def letta_cmd() -> list[str]:
    return [str(Path(sys.executable).parent / "letta")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    opts = parser.parse_args()
    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home, project = Path(tmp) / "home", Path(tmp) / "project"
        project.mkdir()
        server = ModelServerProcess(ONE_TOOL_SCRIPT)
        try:
            env = clean_env({**server.env(), "LETTA_HOME": str(home)})
            rows.append(("letta --version", repeat([*letta_cmd(), "--version"], env, project, opts.runs)))
            rows.append(("letta --help", repeat([*letta_cmd(), "--help"], env, project, opts.runs)))
            turn = [*letta_cmd(), "-p", "run echo hi", "--yolo", "-m", "openai/gpt-4.1"]
            rows.append(("headless turn, 1 Bash call", repeat(turn, env, project, opts.runs)))
        finally:
            server.stop()
    print(f"{'scenario':32} {'median':>9} {'min':>9} {'max':>9} {'cpu':>9} {'rss':>8}")
    for name, r in rows:
        print(
            f"{name:32} {r['median_ms']:8.0f}ms {r['min_ms']:8.0f}ms {r['max_ms']:8.0f}ms "
            f"{r['cpu_ms']:8.0f}ms {r['rss_mb']:6.0f}MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
