"""Render the results of `bench/run.py` as docs/benchmarks.md (tables, machine, command)."""

from __future__ import annotations

from typing import Any

OURS, THEIRS = "ours", "official"
TOKENS_NOTE = (
    "Tokens are estimated as characters / 4 of the JSON request body (compact JSON, as counted "
    "at the model server). No tokenizer is used: `tiktoken` downloads its BPE files at run "
    "time, which this offline machine cannot do."
)


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _span(r: dict[str, Any], med: str, lo: str, hi: str, unit: str, digits: int = 0) -> str:
    return f"{_n(r[med], digits)} {unit} ({_n(r[lo], digits)}–{_n(r[hi], digits)})"


def _ratio(ours: float, theirs: float, smaller: str) -> str:
    if not ours or not theirs:
        return "–"
    ratio = ours / theirs
    verdict = f"{theirs / ours:.1f}× {smaller}" if ratio < 1 else f"{ratio:.1f}× larger/slower"
    return f"{ratio:.3f} ({verdict})"


def _cell(result: dict[str, Any] | None, fmt: Any) -> str:
    if result is None:
        return "not run"
    if "error" in result:
        return "failed (see below)"
    return str(fmt(result))


METRICS = {
    "wall": (lambda r: _span(r, "median_ms", "min_ms", "max_ms", "ms"), "median_ms", "faster"),
    "CPU": (lambda r: _span(r, "cpu_ms", "cpu_min_ms", "cpu_max_ms", "ms"), "cpu_ms", "less"),
    "peak RSS": (
        lambda r: _span(r, "rss_mb", "rss_min_mb", "rss_max_mb", "MB", 1),
        "rss_mb",
        "smaller",
    ),
}


def compare_table(rows: list[tuple[str, dict[str, Any]]], metrics: list[str]) -> list[str]:
    out = [
        "| what | metric | ours: median (min–max) | official: median (min–max) | ours / official |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, pair in rows:
        mine, theirs = pair.get(OURS), pair.get(THEIRS)
        for metric in metrics:
            fmt, key, word = METRICS[metric]
            ok = mine and theirs and "error" not in mine and "error" not in theirs
            ratio = _ratio(mine[key], theirs[key], word) if ok else "–"  # type: ignore[index]
            out.append(f"| {name} | {metric} | {_cell(mine, fmt)} | {_cell(theirs, fmt)} | {ratio} |")
    return out


def failures(rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    out = []
    for name, pair in rows:
        for who, result in pair.items():
            if isinstance(result, dict) and "error" in result:
                out.append(f"- {name}, {who}: `{_oneline(result['error'])}`")
    return out


def _oneline(text: str, limit: int = 700) -> str:
    return " ".join(str(text).split())[:limit].replace("`", "'")


def prompt_table(prompt: dict[str, Any]) -> list[str]:
    mine, theirs = prompt.get(OURS), prompt.get(THEIRS)
    out = ["| measure | ours | official | ours / official |", "| --- | --- | --- | --- |"]
    rows = [
        ("first request, whole body", "chars"),
        ("  of which system prompt", "system_chars"),
        ("  of which tool schemas", "tools_chars"),
        ("  of which other messages", "messages_chars"),
        ("whole turn (all requests)", "turn_chars"),
    ]
    for label, key in rows:
        cells = []
        for r in (mine, theirs):
            cells.append("–" if not r or "error" in r else f"{_n(r[key])} chars ≈ {_n(r[key] / 4)} tokens")
        ok = mine and theirs and "error" not in mine and "error" not in theirs
        ratio = _ratio(mine[key], theirs[key], "smaller") if ok else "–"  # type: ignore[index]
        out.append(f"| {label} | {cells[0]} | {cells[1]} | {ratio} |")
    for label, key in (
        ("messages in the first request", "messages"),
        ("model requests in the turn", "requests"),
    ):
        counts = ["–" if not r or "error" in r else str(r[key]) for r in (mine, theirs)]
        out.append(f"| {label} | {counts[0]} | {counts[1]} | |")
    tools = ["–" if not r or "error" in r else f"{len(r['tools'])}: {', '.join(r['tools'])}" for r in (mine, theirs)]
    out.append(f"| tools offered | {tools[0]} | {tools[1]} | |")
    return out


def server_table(server: dict[str, Any]) -> list[str]:
    if "error" in server:
        return [f"Not available: `{_oneline(server['error'])}`"]
    out = [
        "| concurrent conversations | steps | steps/s: median (min–max) | step latency p50 | p99 | "
        "server CPU per step | server RSS after | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for lv in server["levels"]:
        rate = _span(lv, "steps_per_s", "steps_per_s_min", "steps_per_s_max", "", 1).replace(" (", "(")
        out.append(
            f"| {lv['conversations']} | {lv['steps']} | {rate} | {_n(lv['p50_ms'], 1)} ms | "
            f"{_n(lv['p99_ms'], 1)} ms | {_n(lv['cpu_ms_per_step'], 1)} ms | {_n(lv['rss_mb'], 1)} MB | "
            f"{lv['errors']} |"
        )
    firsts = [lv["first_error"] for lv in server["levels"] if lv.get("first_error")]
    if firsts:
        out += ["", f"First error: `{_oneline(firsts[0])}`"]
    out += [
        "",
        f"One streamed request straight to the fake model (the model's share of a step, measured "
        f"alone from the same client): {_n(server['model_round_trip_ms'], 1)} ms.",
    ]
    return out


def soak_overhead(soak: dict[str, Any]) -> dict[int, float]:
    """A turn's latency less the model's share (one streamed request to the fake model), by turn."""
    model_ms = soak.get("model_ms", 0.0)
    return {s["turn"]: max(0.0, s["turn_ms"] - model_ms) for s in soak.get("samples", [])}


def soak_table(soak: dict[str, Any]) -> list[str]:
    if "error" in soak:
        return [f"Not available: `{_oneline(soak['error'])}`"]
    out = [
        "| turn | messages | server RSS | peak RSS so far | median turn latency (last 10) | less the model |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    overhead = soak_overhead(soak)
    for s in soak["samples"]:
        out.append(
            f"| {s['turn']:,} | {2 * s['turn']:,} | {_n(s['rss_mb'], 1)} MB | {_n(s['peak_mb'], 1)} MB "
            f"| {_n(s['turn_ms'], 1)} ms | {_n(overhead[s['turn']], 1)} ms |"
        )
    by_turn = {s["turn"]: s["rss_mb"] for s in soak["samples"]}
    if 100 in by_turn and 1000 in by_turn:
        growth = (by_turn[1000] - by_turn[100]) / by_turn[100] * 100
        out += ["", f"RSS growth from turn 100 to turn 1,000: {growth:+.1f}% (target: under 10%)."]
    if 5 in overhead and 500 in overhead and overhead[5]:
        ratio = overhead[500] / overhead[5]
        out.append(f"A turn's overhead at message 1,000 is {ratio:.2f}× that at message 10 (target: at most 1.5×).")
    if "model_ms" in soak:
        out.append(
            f"The model's share of a turn (one streamed request to the fake model): {_n(soak['model_ms'], 1)} ms."
        )
    out.append(f"All {soak['turns']:,} turns took {_n(soak['elapsed_s'], 1)} s.")
    return out


def targets(results: dict[str, Any]) -> list[str]:
    """Where we stand against the issue's targets (reported, not tuned for)."""
    out = ["| target | where we stand | met |", "| --- | --- | --- |"]

    def pair(section: dict[str, Any] | None, key: str) -> tuple[Any, Any]:
        p = (section or {}).get(key) or {}
        m, t = p.get(OURS), p.get(THEIRS)
        if not m or not t or "error" in m or "error" in t:
            return None, None
        return m, t

    m, t = pair(results.get("startup"), "--version")
    if m:
        x = t["median_ms"] / m["median_ms"]
        out.append(f"| `letta --version` ≥ 20× faster | {x:.1f}× faster (wall) | {'yes' if x >= 20 else 'no'} |")
    m, t = pair(results.get("turns"), "1")
    if m:
        x = t["median_ms"] / m["median_ms"]
        out.append(f"| headless one-tool turn ≥ 5× faster | {x:.1f}× faster (wall) | {'yes' if x >= 5 else 'no'} |")
        for key, how in (("ours_cold", "cold (`LETTA_PRELOAD=0`)"), ("ours_http", "HTTP backend, warm server")):
            other = results["turns"]["1"].get(key)
            if other and "error" not in other:
                x = t["median_ms"] / other["median_ms"]
                out.append(f"| the same turn, {how} | {x:.1f}× faster (wall) | (reported) |")
    rss = []
    for section, key in (
        ("startup", "--version"),
        ("startup", "--help"),
        ("turns", "0"),
        ("turns", "1"),
        ("turns", "5"),
    ):
        m, t = pair(results.get(section), key)
        if m:
            rss.append(t["rss_mb"] / m["rss_mb"])
    if rss:
        worst = min(rss)
        out.append(
            f"| peak RSS ≥ 3× smaller | {worst:.1f}× smaller in the worst scenario | {'yes' if worst >= 3 else 'no'} |"
        )
    prompt = results.get("prompt") or {}
    m, t = prompt.get(OURS), prompt.get(THEIRS)
    if m and t and "error" not in m and "error" not in t:
        x = t["chars"] / m["chars"]
        note = f"{x:.1f}× smaller ({len(m['tools'])} tools vs {len(t['tools'])}; the toolsets differ, see scenario 3)"
        out.append(f"| first-turn prompt ≥ 5× smaller | {note} | {'yes' if x >= 5 else 'no'} |")
    soak = results.get("soak") or {}
    by_turn = {s["turn"]: s["rss_mb"] for s in soak.get("samples", [])}
    if 100 in by_turn and 1000 in by_turn:
        g = (by_turn[1000] - by_turn[100]) / by_turn[100] * 100
        out.append(f"| RSS growth turn 100 → 1,000 < 10% | {g:+.1f}% (our server) | {'yes' if g < 10 else 'no'} |")
    overhead = soak_overhead(soak)
    if 5 in overhead and 500 in overhead and overhead[5]:
        x = overhead[500] / overhead[5]
        out.append(
            f"| turn overhead at message 1,000 ≤ 1.5× message 10 | {x:.2f}× (our server, model excluded) "
            f"| {'yes' if x <= 1.5 else 'no'} |"
        )
    search = results.get("search") or {}
    if "kinds" in search:
        p99 = search["kinds"]["all"]["p99"]
        out.append(
            f"| `conversation_search` p99 < 50 ms at 1M messages | {p99:.1f} ms at {search['messages']:,} messages "
            f"| {'yes' if p99 < 50 and search['messages'] >= 1_000_000 else 'no'} |"
        )
    return out


def search_table(search: dict[str, Any]) -> list[str]:
    out = ["| query kind | searches | p50 | p95 | p99 | max |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for kind, k in search["kinds"].items():
        name = "**all**" if kind == "all" else kind
        out.append(
            f"| {name} | {k['n']} | {k['p50']:.1f} ms | {k['p95']:.1f} ms | {k['p99']:.1f} ms | {k['max']:.1f} ms |"
        )
    insert = search["insert_s"]
    rate = f", inserted at {search['messages'] / insert:,.0f} messages/s through the triggers" if insert else ""
    found, needles = search["recall"]
    return [
        *out,
        "",
        f"{search['messages']:,} messages, database {search['db_mb']:,.0f} MB{rate}; "
        f"{found} of {needles} needles were the top hit; mean {search['mean_ms']:.1f} ms.",
    ]


def render(results: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks: Letta Code (Python) and the official Letta Code CLI",
        "",
        "Generated by `python -m bench.run` (`make bench`); rerun it rather than editing this page.",
        "",
        "## Run",
        "",
        f"- Command: `{meta['command']}` ({meta['runs']} measured runs per scenario after 1 warm-up)",
        f"- Date: {meta['date']}",
        f"- Machine: {meta['cpu']}, {meta['cores']} cores, {meta['ram_gb']:.1f} GiB RAM, {meta['os']}",
        f"- Load average (1 min) at start / end: {meta['load_start']:.2f} / {meta['load_end']:.2f}",
        f"- Python: {meta['python']}",
        f"- Ours: `letta` {meta['ours_version']} (commit {meta['commit']})",
        f"- Official: PyPI `letta` {meta['official_version']} (bundled Node.js {meta['node']}), "
        "in `bench/.envs/official`",
        "",
        "**Noise.** " + meta["noise"],
        "",
        "## How each CLI is driven",
        "",
        "Both CLIs talk to the same scripted OpenAI-compatible model server on 127.0.0.1 "
        "(`bench/fake_model.py`, the test suite's fake server answering from the conversation: N Bash "
        "calls, then `Done.`), so the model costs the same. Each CLI gets a fresh HOME and an empty "
        "project folder; a warm-up run creates its agent, and every measured run is a new conversation "
        "with that agent. Runs of the two CLIs alternate.",
        "",
        "- Ours: `letta -p TASK --yolo -m openai/gpt-4.1 --new` with `OPENAI_BASE_URL` pointing at the "
        "fake server and `LETTA_HOME` in the temporary HOME.",
        "- Official: its local backend (`letta backend local`) with the fake server saved as an "
        "OpenAI-compatible provider (`letta connect openai-compatible --base-url URL --api-key bench`), then "
        "`letta -p TASK --yolo -m openai-compatible/gpt-4.1 --backend local`. Its `openai/` provider ignores "
        "`OPENAI_BASE_URL`, so this is the way to point it at a local server. `DO_NOT_TRACK=1` keeps it from "
        "trying to send telemetry to a cloud this machine cannot reach. Its `letta` is a Python launcher "
        "that `exec`s the bundled Node.js, so what is measured is the Node process.",
        "",
        "Wall time, CPU time (user + system of the command and every process it waited for) and peak RSS "
        "(largest single process) come from `wait4` on each command. Ratios are ours / official: below 1 "
        "means ours is faster or smaller.",
        "",
        "## Targets (issues 8 and 22)",
        "",
        *targets(results),
    ]
    startup = results.get("startup")
    if startup:
        rows = [(f"`letta {flag}`", startup[flag]) for flag in ("--version", "--help")]
        lines += [
            "",
            "## 1. Startup",
            "",
            *compare_table(rows, ["wall", "CPU", "peak RSS"]),
            *_fails(rows),
        ]
    turns = results.get("turns")
    if turns:
        rows = [(f"{k} Bash call{'s' if k != '1' else ''}", turns[k]) for k in sorted(turns, key=int)]
        lines += [
            "",
            "## 2. One headless turn",
            "",
            "`-p` with permissions bypassed; the turn ends when the model says `Done.`. The 5-call turn is "
            "six model requests.",
            "",
            *compare_table(rows, ["wall", "CPU", "peak RSS"]),
            *_fails(rows),
        ]
        other = [
            (f"{k} Bash call{'s' if k != '1' else ''}, {how}", {OURS: turns[k].get(key), THEIRS: turns[k].get(THEIRS)})
            for key, how in (("ours_cold", "cold"), ("ours_http", "HTTP backend"))
            for k in sorted(turns, key=int)
            if key in turns[k]
        ]
        if other:
            lines += [
                "",
                "Ours as installed hands each `letta -p` after the first to the preload server the first one "
                "left (a process with the stack already imported that forks one child per run; CPU time and "
                "peak RSS above include that child). Below, *cold* is every run importing everything "
                "(`LETTA_PRELOAD=0`), and *HTTP backend* is the one-call turn against a warm `letta server` "
                "(`LETTA_BASE_URL`; the server's own work is not in CPU and RSS). Where a cold run's time "
                "goes: `python -X importtime` puts most of it in imports (SQLAlchemy and its ORM, our store "
                "models, httpx, asyncio), and a profile of a served run (`cProfile` in the child) puts the "
                "turn's own work at ~100 ms, a third of it SQLAlchemy; freeing the imported modules one by "
                "one at exit cost another ~150 ms, which a served run skips (`cli/preload/child.py`).",
                "",
                *compare_table(other, ["wall", "CPU", "peak RSS"]),
                *_fails(other),
            ]
    prompt = results.get("prompt")
    if prompt:
        lines += [
            "",
            "## 3. Prompt size",
            "",
            "What the model receives for the 5-call task, counted at the model server. " + TOKENS_NOTE,
            "",
            *prompt_table(prompt),
        ]
    if "server" in results:
        lines += [
            "",
            "## 4. Our server alone",
            "",
            "`letta server --port 0` (its own LETTA_HOME), one agent, N clients at once, each sending user "
            "messages one after another (`POST /v1/conversations/{id}/messages`, SSE read to `[DONE]`), from "
            "one httpx client in this process. Each client moves to a fresh conversation every 10 messages "
            "(created before the clock starts), so histories stay short: growth is scenario 5's subject. The fake model answers at once with text, so a "
            "message is one agent step. The official CLI has no counterpart: its `letta server` runs a "
            "remote computer, channels or its App Server, not the Letta REST API.",
            "",
            *server_table(results["server"]),
        ]
    if "soak" in results:
        lines += [
            "",
            "## 5. A 1,000-turn session",
            "",
            "One conversation on our server, 1,000 user messages one after another (the history grows with "
            "each: two messages a turn), server RSS read from `/proc` at turns 5, 10, 100, 500 and 1,000. "
            "*Less the model* is the turn's latency minus one streamed request to the fake model.",
            "",
            *soak_table(results["soak"]),
        ]
    if "search" in results:
        lines += [
            "",
            "## 6. `conversation_search` on a long history",
            "",
            "`bench/bench_search.py`: one agent's history of synthetic messages (a 30,000-word vocabulary "
            "with Zipf frequencies, English stopwords the most common; 5 to 150 words a message) inserted "
            "through the real schema's triggers, then searches through `SearchStore.search_messages`, what "
            "the tool and `POST /v1/messages/search` call, snippets included, after the database file has "
            "been read once (a server that has been up has its pages cached). Kinds: a rare, a medium and a "
            'common word, two words of one message, a quoted two-word phrase (`"in an"`, mostly stopwords), '
            "a question, and a needle word planted in every 1,000th message.",
            "",
            *search_table(results["search"]),
        ]
    if meta.get("official_error"):
        lines += [
            "",
            "## The official CLI could not be installed",
            "",
            f"`{_oneline(meta['official_error'])}`",
        ]
    return "\n".join(lines) + "\n"


def _fails(rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    found = failures(rows)
    return ["", "Failures:", "", *found] if found else []
