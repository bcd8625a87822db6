"""Benchmarks side by side with the official Letta Code CLI; writes docs/benchmarks.md.

Usage: python -m bench.run [--quick] [--runs N] [--only startup,turns,server,soak,search] [--out PATH]

Installs the official CLI (PyPI `letta`, pinned) into bench/.envs/official if it is not there,
then runs the scenarios (see bench/cli_scenarios.py and bench/server_load.py) and writes the
report. `--quick` measures 3 runs per scenario, a shorter server load and a search over 100,000
messages instead of 10 runs, the full load and 1,000,000 messages (bench/bench_search.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import bench_search, cli_scenarios, official, report, server_load

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("startup", "turns", "server", "soak", "search")
NOISE = (
    "This machine is shared: other engineers' test suites were running during the run, so every "
    "number is noisy (see the load average and the min–max spreads). CPU time is less sensitive to "
    "that than wall time; compare both, and rerun `make bench` on a quiet machine for firm numbers."
)


def log(msg: str) -> None:
    print(msg, flush=True)


def machine() -> dict[str, Any]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            ram_kb = int(line.split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "ram_gb": ram_kb / 1024 / 1024,
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": os.getloadavg()[0],
    }


def _output(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (3) and a shorter server load")
    parser.add_argument("--runs", type=int, help="measured runs per scenario (default 10, --quick 3)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios to run")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 10)
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")

    meta = machine()
    args_text = " ".join(argv if argv is not None else sys.argv[1:])
    command = f"python -m bench.run {args_text}".strip()
    if os.environ.get("MAKELEVEL"):  # started by `make bench`
        command = f"make bench BENCH_ARGS='{args_text}'" if args_text else "make bench"
    meta.update(runs=runs, noise=NOISE, command=command)
    ours_letta = Path(sys.executable).parent / "letta"
    meta["ours_version"] = _output([str(ours_letta), "--version"]).split(" ")[0] if ours_letta.exists() else "?"
    meta["commit"] = _output(["git", "rev-parse", "--short", "HEAD"])
    clis = [cli_scenarios.ours(ours_letta)]
    try:
        clis.append(cli_scenarios.official(official.ensure_official(log)))
        meta["official_version"], meta["node"] = official.OFFICIAL_VERSION, official.node_version()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        log(f"official CLI unavailable: {exc}")
        meta.update(official_error=str(exc), official_version="(not installed)", node="?")

    results: dict[str, Any] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="letta-bench-") as tmp:
        if "startup" in only:
            log("1. startup")
            results["startup"] = cli_scenarios.startup(clis, Path(tmp), runs, log)
        if "turns" in only:
            log("2-3. headless turns and prompt size")
            results["turns"], results["prompt"] = cli_scenarios.turns(clis, Path(tmp), runs, log)
    if "server" in only:
        log("4. our server under load")
        results["server"] = server_load.server_load(ours_letta, args.quick, log)
    if "soak" in only:
        log("5. 1,000-turn session")
        results["soak"] = server_load.soak(ours_letta, args.quick, log)
    if "search" in only:
        log("6. conversation_search on a long history")
        results["search"] = bench_search.measure(100_000 if args.quick else 1_000_000, log=log)
    meta["load_end"] = os.getloadavg()[0]
    log(f"done in {time.perf_counter() - started:.0f} s")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.render(results, meta))
    raw = ROOT / "bench" / ".envs" / "last-results.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    log(f"wrote {out} (raw numbers: {raw.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
