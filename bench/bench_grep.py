"""Grep and Glob tools vs plain `rg` on a tree of 100,000 small files.

Usage: python bench/bench_grep.py [--runs N] [--files N] [--fallback]
The tree is generated once under the temp dir and reused. Each scenario runs once
to warm the page cache, then N times; the table shows medians and tool/rg ratios.
`--fallback` also times the pure-Python search (slow; fewer files recommended).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from letta_code.tools.base import ToolSession
from letta_code.tools.builtin.glob_tool import GlobTool
from letta_code.tools.builtin.grep import GrepTool
from letta_code.tools.ripgrep import find_rg

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "lambda", "sigma", "omega"]


def make_tree(root: Path, n_files: int) -> None:
    """`n_files` files of ~10 lines in 100-file directories; 1% contain 'needle_xyz'."""
    marker = root / ".complete"
    if marker.exists():
        return
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    (root / ".gitignore").write_text("*.tmp\n")
    exts = [".py", ".ts", ".md", ".txt"]
    for i in range(n_files):
        d = root / f"pkg{i // 1000:03d}" / f"mod{(i // 100) % 10}"
        if i % 100 == 0:
            d.mkdir(parents=True, exist_ok=True)
        lines = [f"{WORDS[(i + j) % 10]} line {j} of file {i}" for j in range(10)]
        if i % 100 == 7:
            lines[5] = f"here is needle_xyz number {i}"
        (d / f"f{i:06d}{exts[i % 4]}").write_text("\n".join(lines) + "\n")
    marker.write_text("")


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--fallback", action="store_true")
    opts = parser.parse_args()
    rg = find_rg()
    if rg is None:
        print("rg not found", file=sys.stderr)
        return 1
    root = Path(tempfile.gettempdir()) / f"letta-bench-grep-{opts.files}"
    start = time.perf_counter()
    make_tree(root, opts.files)
    print(f"tree: {root} ({opts.files:,} files, ready in {time.perf_counter() - start:.1f}s)")
    session = ToolSession(cwd=root)
    grep, glob = GrepTool(), GlobTool()

    def tool(t: GrepTool | GlobTool, args: dict[str, object]) -> Callable[[], object]:
        def run() -> object:
            r = t.run(args, session)
            assert r.status == "success", r.output
            return r

        return run

    def plain(*args: str) -> Callable[[], object]:
        return lambda: subprocess.run([rg, *args], cwd=root, capture_output=True, check=False)

    scenarios: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "Grep files, rare (1%)",
            tool(grep, {"pattern": "needle_xyz"}),
            plain("-l", "needle_xyz"),
        ),
        (
            "Grep content, rare (1%)",
            tool(grep, {"pattern": "needle_xyz", "output_mode": "content"}),
            plain("-n", "needle_xyz"),
        ),
        (
            "Grep count, rare (1%)",
            tool(grep, {"pattern": "needle_xyz", "output_mode": "count"}),
            plain("-c", "needle_xyz"),
        ),
        (
            "Grep files, every file",
            tool(grep, {"pattern": "line 3 "}),
            plain("-l", "line 3 "),
        ),
        (
            "Grep files, -i + glob *.py",
            tool(grep, {"pattern": "NEEDLE", "-i": True, "glob": "*.py"}),
            plain("-l", "-i", "-g", "*.py", "NEEDLE"),
        ),
        ("Glob **/*.py", tool(glob, {"pattern": "**/*.py"}), plain("--files", "-g", "*.py")),
        ("Glob **/*", tool(glob, {"pattern": "**/*"}), plain("--files")),
        (
            "Glob pkg001/**/*.md",
            tool(glob, {"pattern": "pkg001/**/*.md"}),
            plain("--files", "-g", "pkg001/**/*.md"),
        ),
    ]
    if opts.fallback:
        scenarios.append(
            (
                "Grep files, rare, Python fallback",
                tool(GrepTool(use_rg=False), {"pattern": "needle_xyz"}),
                plain("-l", "needle_xyz"),
            )
        )
    print(f"median of {opts.runs} runs after a warm-up; cpu count {os.cpu_count()}")
    print(f"{'scenario':36} {'tool':>10} {'plain rg':>10} {'ratio':>7}")
    for name, with_tool, with_rg in scenarios:
        t_ms = median_ms(with_tool, opts.runs)
        r_ms = median_ms(with_rg, opts.runs)
        print(f"{name:36} {t_ms:8.0f}ms {r_ms:8.0f}ms {t_ms / r_ms:6.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
