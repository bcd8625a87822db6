"""Scenarios 1-3, ours and the official CLI side by side against the same scripted model.

1. `--version` and `--help`.
2. One headless turn (`-p`, permissions bypassed) with 0, 1 and 5 sequential Bash calls.
3. Prompt size: what the model receives for the 5-call task (request bodies at the server).

Every CLI gets its own fresh HOME (and LETTA_HOME) and an empty project folder. A warm-up
run creates the agent; each measured run is then a new conversation with that agent (ours:
`--new`; the official CLI starts a new conversation for every `-p`). Runs of the CLIs
alternate, so a burst of load on this shared machine hits all alike.

Ours runs three ways: as installed (a `letta -p` after the first is served by the preload
server the first one left, in a runtime folder of the scenario's own), cold
(`LETTA_PRELOAD=0`: every run imports everything), and for the one-call turn over the HTTP
backend against a warm `letta server` (`LETTA_BASE_URL`).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import CommandFailed, FakeModel, Sample, clean_env, run_once, stop_preload_servers, summarize
from bench.official import configure
from bench.server_load import LettaServer

MODEL = "gpt-4.1"
TASKS = {
    0: "Say hello.",
    1: "Run `echo step1` with Bash, then say Done.",
    5: "Run `echo step1` to `echo step5` with Bash, one call at a time, then say Done.",
}
EXPECT = "Done."
Log = Callable[[str], None]


@dataclass
class Cli:
    key: str  # "ours" | "official" | "ours_cold" | "ours_http"
    letta: Path
    handle: str  # model handle on the command line
    extra_args: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, tmp: Path, model: FakeModel) -> dict[str, str]:
        home = tmp / "home"
        home.mkdir(parents=True, exist_ok=True)
        runtime = tmp / "run"  # where our preload server's socket goes: the scenario's own
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        # DO_NOT_TRACK: the official CLI would otherwise try to send telemetry to its cloud,
        # which this machine cannot reach; ours sends none either way.
        return clean_env(
            {
                **model.env(),
                "HOME": str(home),
                "LETTA_HOME": str(home / ".letta"),
                "DO_NOT_TRACK": "1",
                # Our reflection pass after every 5th turn is a detached process: never part of a
                # measured turn, but its model calls would load the machine while the next one runs.
                "LETTA_REFLECTION_EVERY": "0",
                "XDG_RUNTIME_DIR": str(runtime),
                "LETTA_PRELOAD_RUSAGE": str(tmp / "preload-usage.txt"),
                **self.extra_env,
            }
        )

    def prepare(self, tmp: Path, model: FakeModel) -> tuple[dict[str, str], Path]:
        env = self.env(tmp, model)
        project = tmp / "project"
        project.mkdir(parents=True, exist_ok=True)
        if self.key == "official":
            configure(self.letta, env, project, f"{model.url}/v1")
        return env, project

    def turn(self, prompt: str) -> list[str]:
        return [str(self.letta), "-p", prompt, "--yolo", "-m", self.handle, *self.extra_args]


def ours(letta: Path) -> Cli:
    return Cli("ours", letta, f"openai/{MODEL}", ["--new"])


def ours_cold(letta: Path) -> Cli:
    return Cli("ours_cold", letta, f"openai/{MODEL}", ["--new"], {"LETTA_PRELOAD": "0"})


def ours_http(letta: Path, server_url: str) -> Cli:
    return Cli("ours_http", letta, f"openai/{MODEL}", ["--new"], {"LETTA_BASE_URL": server_url})


def official(letta: Path) -> Cli:
    return Cli("official", letta, f"openai-compatible/{MODEL}", ["--backend", "local"])


def compare(
    commands: dict[str, tuple[list[str], dict[str, str], Path]],
    runs: int,
    expect: str | None,
    log: Log,
    warmup: int = 1,
) -> dict[str, Any]:
    """Warm up each command, then run them in turn `runs` times; per CLI a summary or an error."""
    samples: dict[str, list[Sample]] = {key: [] for key in commands}
    errors: dict[str, str] = {}
    for i in range(warmup + runs):
        for key, (cmd, env, cwd) in commands.items():
            if key in errors:
                continue
            try:
                sample = run_once(cmd, env, cwd, expect=expect)
            except CommandFailed as exc:
                errors[key] = str(exc)
                log(f"    {key}: FAILED {exc}")
                continue
            if i >= warmup:
                samples[key].append(sample)
    return {key: ({"error": errors[key]} if key in errors else summarize(samples[key])) for key in commands}


def startup(clis: list[Cli], tmp: Path, runs: int, log: Log) -> dict[str, Any]:
    """Scenario 1: `--version` and `--help`."""
    results: dict[str, Any] = {}
    with FakeModel(0) as model:
        prepared = {cli.key: cli.prepare(tmp / "startup" / cli.key, model) for cli in clis}
        for flag in ("--version", "--help"):
            log(f"  letta {flag}")
            cmds = {cli.key: ([str(cli.letta), flag], *prepared[cli.key]) for cli in clis}
            results[flag] = compare(cmds, runs, None, log)
        for env, _ in prepared.values():
            stop_preload_servers(env)
    return results


def turns(clis: list[Cli], tmp: Path, runs: int, log: Log) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scenario 2 (timed turns) and scenario 3 (prompt size of the 5-call task)."""
    results: dict[str, Any] = {}
    prompts: dict[str, Any] = {}
    mine = next(cli for cli in clis if cli.key == "ours")
    for tools, task in TASKS.items():
        log(f"  headless turn, {tools} Bash call(s)")
        with FakeModel(tools) as model, contextlib.ExitStack() as stack:
            variants = [*clis, ours_cold(mine.letta)]
            if tools == 1:
                server = stack.enter_context(LettaServer(mine.letta, tmp / "server", model))
                variants.append(ours_http(mine.letta, server.url))
            prepared = {cli.key: cli.prepare(tmp / f"turn{tools}" / cli.key, model) for cli in variants}
            cmds = {cli.key: (cli.turn(task), *prepared[cli.key]) for cli in variants}
            try:
                results[str(tools)] = compare(cmds, runs, EXPECT, log)
                if tools == max(TASKS):
                    for cli in clis:
                        if "error" not in results[str(tools)][cli.key]:
                            prompts[cli.key] = probe_prompt(cli, task, model, *prepared[cli.key])
            finally:
                for env, _ in prepared.values():
                    stop_preload_servers(env)
    return results, prompts


def probe_prompt(cli: Cli, task: str, model: FakeModel, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """One more run of the task, tagged so its requests can be picked out at the server."""
    tag = f"(run {uuid.uuid4().hex[:12]})"
    run_once(cli.turn(f"{task} {tag}"), env, cwd, expect=EXPECT)
    mine = [body for body in model.model_requests() if tag in json.dumps(body)]
    if not mine:
        return {"error": "the server saw no request carrying the run's tag"}
    first = measure_request(mine[0])
    first["requests"] = len(mine)
    first["turn_chars"] = sum(compact_len(body) for body in mine)
    return first


def compact_len(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def measure_request(body: dict[str, Any]) -> dict[str, Any]:
    """Size of one chat-completions request body, split into system text, tools and the rest."""
    messages = list(body.get("messages") or [])
    system = [m for m in messages if m.get("role") in ("system", "developer")]
    tools = list(body.get("tools") or [])
    names = [str((t.get("function") or t).get("name")) for t in tools]
    return {
        "chars": compact_len(body),
        "system_chars": sum(len(_text(m.get("content"))) for m in system),
        "tools_chars": compact_len(tools) if tools else 0,
        "messages_chars": compact_len([m for m in messages if m not in system]),
        "tools": names,
        "messages": len(messages),
    }


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""
