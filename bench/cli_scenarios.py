"""Scenarios 1-3, ours and the official CLI side by side against the same scripted model.

1. `--version` and `--help`.
2. One headless turn (`-p`, permissions bypassed) with 0, 1 and 5 sequential Bash calls.
3. Prompt size: what the model receives for the 5-call task (request bodies at the server).

Every CLI gets its own fresh HOME (and LETTA_HOME) and an empty project folder. A warm-up
run creates the agent; each measured run is then a new conversation with that agent (ours:
`--new`; the official CLI starts a new conversation for every `-p`). Runs of the two CLIs
alternate, so a burst of load on this shared machine hits both alike.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import CommandFailed, FakeModel, Sample, clean_env, run_once, summarize
from bench.official import configure

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
    key: str  # "ours" | "official"
    letta: Path
    handle: str  # model handle on the command line
    extra_args: list[str] = field(default_factory=list)

    def env(self, tmp: Path, model: FakeModel) -> dict[str, str]:
        home = tmp / "home"
        home.mkdir(parents=True, exist_ok=True)
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
    return results


def turns(clis: list[Cli], tmp: Path, runs: int, log: Log) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scenario 2 (timed turns) and scenario 3 (prompt size of the 5-call task)."""
    results: dict[str, Any] = {}
    prompts: dict[str, Any] = {}
    for tools, task in TASKS.items():
        log(f"  headless turn, {tools} Bash call(s)")
        with FakeModel(tools) as model:
            prepared = {cli.key: cli.prepare(tmp / f"turn{tools}" / cli.key, model) for cli in clis}
            cmds = {cli.key: (cli.turn(task), *prepared[cli.key]) for cli in clis}
            results[str(tools)] = compare(cmds, runs, EXPECT, log)
            if tools == max(TASKS):
                for cli in clis:
                    if "error" not in results[str(tools)][cli.key]:
                        prompts[cli.key] = probe_prompt(cli, task, model, *prepared[cli.key])
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
