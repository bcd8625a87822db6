"""The official Letta Code CLI (PyPI `letta`) runs headless turns against `letta server`.

The official CLI is a Node.js bundle with its own Node; its command is also `letta`,
so it lives in its own venv, `bench/.envs/official` (git-ignored), pinned in
`bench/official.py`. `make test` installs it there (a few seconds, once); the test
installs it itself only with LETTA_TEST_OFFICIAL_CLI=1, and otherwise fails with one
line saying how to get it when it is missing (never a skip), so pytest never needs
the network. Its telemetry and update checks are
off, so it talks to nothing but our server; the model is the scripted model server.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from letta_code.testing import ModelServer, Reply
from tests.server.test_process import KEY
from tests.server.test_restart import start_server

# Routes the official CLI calls that `letta server` does not serve (features of Letta
# Cloud or of the Letta server we do not have); each answers 404 with a JSON body and
# the CLI carries on without them.
UNSUPPORTED = [
    re.compile(r"GET /v1/agents/[^/ ]+/secrets"),  # agent secrets for tools
    re.compile(r"GET /v1/agents/[^/ ]+/mcp-servers"),  # MCP servers attached to the agent
    re.compile(r"GET /v1/agents/[^/ ]+/repositories"),  # git repositories (MemFS)
    re.compile(r"GET /v1/metadata/balance"),  # Letta Cloud credits
]
ACCESS = re.compile(r'"(?P<route>[A-Z]+ \S+) HTTP/[\d.]+" (?P<status>\d{3})')


@pytest.fixture(scope="module")
def official_letta() -> Path:
    from bench.official import (
        ENVS,
        OFFICIAL_VERSION,
        ensure_official,
        installed_version,
        official_letta,
    )

    if installed_version() != OFFICIAL_VERSION:
        if os.environ.get("LETTA_TEST_OFFICIAL_CLI") != "1":
            pytest.fail(
                f"the official Letta Code CLI {OFFICIAL_VERSION} is not installed in bench/.envs/official; "
                "`make test` installs it, or set LETTA_TEST_OFFICIAL_CLI=1",
                pytrace=False,
            )
        ENVS.mkdir(parents=True, exist_ok=True)
        with (ENVS / "official.lock").open("w") as lock:  # one installer at a time (pytest -n)
            fcntl.flock(lock, fcntl.LOCK_EX)
            ensure_official(log=lambda _line: None)
    return official_letta()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path, ModelServer]]:
    """`letta server` with its access log, and the scripted model behind it."""
    root = tmp_path_factory.mktemp("official")
    model = ModelServer().start()
    log = root / "server.log"
    proc, url = start_server(root / "home", model, log=log)
    try:
        yield url, root / "home", log, model
    finally:
        proc.kill()
        proc.wait()
        model.stop()


def run_official(letta: Path, url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),  # its settings and agents cache: fresh per test
        "LETTA_BASE_URL": url,
        "LETTA_API_KEY": KEY,
        "LETTA_CODE_TELEM": "0",
        "DO_NOT_TRACK": "1",
        "DISABLE_AUTOUPDATER": "1",
        "NO_COLOR": "1",
    }
    return subprocess.run([str(letta), *args], env=env, cwd=project, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "tool", "args"),
    [
        # With an OpenAI model the CLI picks its Codex toolset, with Anthropic its Claude Code one.
        ("openai/gpt-4.1", "exec_command", {"cmd": "echo hi > out.txt", "description": "Write hi to out.txt"}),
        ("anthropic/claude-sonnet-4-5", "Bash", {"command": "echo hi > out.txt", "description": "Write hi"}),
    ],
)
def test_a_headless_turn_with_a_client_tool(
    official_letta: Path,
    server: tuple[str, Path, Path, ModelServer],
    tmp_path: Path,
    model: str,
    tool: str,
    args: dict[str, Any],
) -> None:
    url, home, log, model_server = server
    model_server.clear()
    model_server.script([Reply(tool_calls=[(tool, args, "call_1")]), Reply(text="I wrote out.txt.")])
    proc = run_official(
        official_letta, url, tmp_path, "-p", "write hi to out.txt", "--yolo", "--output-format", "json", "-m", model
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["result"] == "I wrote out.txt." and result["num_turns"] == 2
    assert (tmp_path / "project" / "out.txt").read_text() == "hi\n"  # the tool ran on the client
    assert tool in model_server.last_tools()
    assert "<available_skills>" in model_server.last_system_prompt()  # its client_skills
    with sqlite3.connect(home / "letta.db") as db:
        roles = [
            r[0] for r in db.execute("SELECT role FROM messages WHERE agent_id = ? ORDER BY seq", (result["agent_id"],))
        ]
        backgrounds = {
            r[0] for r in db.execute("SELECT background FROM runs WHERE agent_id = ?", (result["agent_id"],))
        }
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert backgrounds == {1}  # its runs are background runs, so they survive a server restart
    calls = [m.groupdict() for m in ACCESS.finditer(log.read_text())]
    failed = [c["route"] for c in calls if c["status"] >= "400"]
    assert [r for r in failed if not any(p.match(r) for p in UNSUPPORTED)] == []


def test_the_routes_it_needs_and_we_do_not_serve_answer_404_with_json(
    server: tuple[str, Path, Path, ModelServer],
) -> None:
    url = server[0]
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=5) as client:
        for route in (
            "/v1/agents/agent-x/secrets",
            "/v1/agents/agent-x/mcp-servers",
            "/v1/agents/agent-x/repositories",
            "/v1/metadata/balance",
        ):
            response = client.get(route)
            assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


@pytest.mark.slow
def test_a_model_chosen_for_an_existing_agent_is_used(
    official_letta: Path, server: tuple[str, Path, Path, ModelServer], tmp_path: Path
) -> None:
    # On an agent it already has, the CLI puts `-m` on the new conversation, not on the agent.
    url, _home, _log, model_server = server
    model_server.clear()
    model_server.script([Reply(text="first"), Reply(text="second")])
    first = run_official(official_letta, url, tmp_path, "-p", "hi", "--output-format", "json", "-m", "openai/gpt-4.1")
    assert first.returncode == 0, first.stderr[-2000:]
    assert model_server.last_request().protocol == "openai"
    second = run_official(
        official_letta, url, tmp_path, "-p", "hi again", "--output-format", "json", "-m", "anthropic/claude-sonnet-4-5"
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert json.loads(second.stdout)["agent_id"] == json.loads(first.stdout)["agent_id"]
    assert json.loads(second.stdout)["result"] == "second"
    assert model_server.last_request().protocol == "anthropic"


@pytest.mark.slow
def test_three_parallel_tool_calls_all_run(
    official_letta: Path, server: tuple[str, Path, Path, ModelServer], tmp_path: Path
) -> None:
    # It gathers a step's calls by tool_call_id from each approval request's `tool_calls`: one
    # request listing all three, three times over, had it join the arguments and deny them all.
    url, _home, _log, model_server = server
    model_server.clear()
    calls = [("Bash", {"command": f"echo {n} > {n}.txt", "description": f"Write {n}"}, f"call_{n}") for n in "abc"]
    model_server.script([Reply(tool_calls=calls), Reply(text="Wrote three files.")])
    proc = run_official(
        official_letta, url, tmp_path, "-p", "write three files", "--yolo", "--output-format", "json", "-m",
        "anthropic/claude-sonnet-4-5",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["result"] == "Wrote three files."
    assert {n: (tmp_path / "project" / f"{n}.txt").read_text() for n in "abc"} == {n: f"{n}\n" for n in "abc"}
    blocks = [b for m in model_server.last_messages() if isinstance(m.get("content"), list) for b in m["content"]]
    results = {b["tool_use_id"] for b in blocks if b.get("type") == "tool_result" and not b.get("is_error")}
    assert results == {"call_a", "call_b", "call_c"}  # each ran once and succeeded


@pytest.mark.slow
def test_a_stale_approval_on_a_conversation_is_recovered(
    official_letta: Path, server: tuple[str, Path, Path, ModelServer], tmp_path: Path
) -> None:
    # Another client left a call waiting for approval on a non-default conversation; the CLI
    # finds it through the conversation's in_context_message_ids, answers it and sends its own
    # message in the same request. It used to get 409, then 400, and exit 1.
    url, _home, _log, model_server = server
    model_server.clear()
    model_server.script([Reply(text="ready")])
    first = run_official(
        official_letta, url, tmp_path, "-p", "hi", "--output-format", "json", "-m", "anthropic/claude-sonnet-4-5"
    )
    assert first.returncode == 0, first.stderr[-2000:]
    agent_id = json.loads(first.stdout)["agent_id"]
    headers = {"Authorization": f"Bearer {KEY}"}
    bash = {"name": "Bash", "description": "Run a command", "parameters": {"type": "object", "properties": {}}}
    model_server.script([Reply(tool_calls=[("Bash", {"command": "echo stale"}, "call_stale")])])
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        conv = client.post("/v1/conversations", params={"agent_id": agent_id}, json={}).raise_for_status().json()
        sent = client.post(
            f"/v1/conversations/{conv['id']}/messages",
            json={"messages": [{"role": "user", "content": "run it"}], "client_tools": [bash], "streaming": False},
        )
        assert sent.status_code == 200, sent.text
        pending = client.get(f"/v1/conversations/{conv['id']}").json()
        assert pending["pending_approval"]["tool_call"]["tool_call_id"] == "call_stale"
    model_server.script([Reply(text="Back on track.")])
    proc = run_official(
        official_letta, url, tmp_path, "-p", "new task", "--conversation", conv["id"], "--yolo",
        "--output-format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["result"] == "Back on track."
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        after = client.get(f"/v1/conversations/{conv['id']}").json()
    assert after["pending_approval"] is None
