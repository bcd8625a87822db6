"""The real `letta server` process: binds, answers the SDK, keeps its data in $LETTA_HOME."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import letta_client
import pytest
from letta_client import Letta, Omit
from letta_client.types.agents import AssistantMessage, ToolReturnParam
from letta_client.types.agents.letta_streaming_response import LettaStopReason

from letta_code.testing import ModelServer, Reply
from tests.conftest import letta_executable
from tests.server.conftest import SDK_BASH_TOOL, as_a, run_id_of, user

KEY = "process-key"


def server_env(home: Path, model: ModelServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "LETTA_"))}
    env.update(model.env())
    env["LETTA_HOME"] = str(home)
    env["LETTA_SERVER_PING_INTERVAL"] = "0.2"
    env["LETTA_PRELOAD"] = "0"  # as tests/conftest.py says
    return env


@dataclass
class ServerProcess:
    url: str
    home: Path
    model: ModelServer


@pytest.fixture(scope="module")
def server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One `letta server` process (and scripted model) for the module."""
    home = tmp_path_factory.mktemp("server-home")
    model = ModelServer().start()
    with subprocess.Popen(
        [*letta_executable(), "server", "--port", "0", "--api-key", KEY],
        env=server_env(home, model),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            assert match, f"unexpected first line {line!r}; stderr: {proc.stderr.read() if proc.stderr else ''}"
            url = match.group(1)
            deadline = time.monotonic() + 15
            with Letta(base_url=url, api_key=KEY, max_retries=0) as probe:
                while True:
                    try:
                        probe.health()
                        break
                    except letta_client.APIConnectionError:
                        if time.monotonic() > deadline or proc.poll() is not None:
                            raise
                        time.sleep(0.05)
            yield ServerProcess(url, home, model)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            model.stop()


def test_letta_server_process_serves_the_sdk(server_process: ServerProcess) -> None:
    url, home, model_server = server_process.url, server_process.home, server_process.model
    model_server.clear()
    with Letta(base_url=url, api_key=KEY, max_retries=0, _strict_response_validation=True) as client:
        agent = client.agents.create(
            name="proc", model="openai/gpt-4.1", memory_blocks=[{"label": "human", "value": "Likes Go."}]
        )
        model_server.script(
            [Reply(tool_calls=[("Bash", {"command": "go version"}, "call_go")]), Reply(text="Go 1.22.")]
        )
        stream = client.conversations.messages.create(
            "default",
            agent_id=agent.id,
            messages=user("which go?"),
            client_tools=[SDK_BASH_TOOL],
            stream_tokens=True,
            background=True,
        )
        first = [c for c in stream if c.message_type != "ping"]
        assert as_a(LettaStopReason, first[-2]).stop_reason == "requires_approval"
        approval: ToolReturnParam = {
            "type": "tool",
            "tool_call_id": "call_go",
            "tool_return": "go1.22",
            "status": "success",
        }
        done = client.agents.messages.create(
            agent.id, messages=[{"type": "approval", "approvals": [approval]}], client_tools=[SDK_BASH_TOOL]
        )
        assert (
            as_a(AssistantMessage, done.messages[-1]).content == "Go 1.22."
            and done.stop_reason.stop_reason == "end_turn"
        )
        assert client.runs.retrieve(run_id_of(first[0])).stop_reason == "requires_approval"
        anonymous = Letta(base_url=url, max_retries=0)
        with anonymous, pytest.raises(letta_client.AuthenticationError):
            anonymous.agents.list(extra_headers={"Authorization": Omit()})
    assert (home / "letta.db").exists()


def test_refuses_a_public_address_without_a_key(tmp_path: Path, model_server: ModelServer) -> None:
    env = server_env(tmp_path / "home", model_server)
    result = subprocess.run(
        [*letta_executable(), "server", "--host", "0.0.0.0", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--api-key" in result.stderr and "--insecure" in result.stderr


def client_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "LETTA_"))}
    return {**env, "LETTA_HOME": str(home), "NO_COLOR": "1", "LETTA_PRELOAD": "0", **extra}


def test_headless_letta_over_the_server(server_process: ServerProcess, tmp_path: Path) -> None:
    url, server_home, model_server = server_process.url, server_process.home, server_process.model
    model_server.clear()
    project = tmp_path / "project"
    project.mkdir()
    model_server.script(
        [Reply(tool_calls=[("Bash", {"command": "echo hi > out.txt"})]), Reply(text="I wrote out.txt.")]
    )
    env = client_env(tmp_path / "client-home", LETTA_BASE_URL=url, LETTA_API_KEY=KEY)
    proc = subprocess.run(
        [*letta_executable(), "-p", "write hi to out.txt", "--yolo", "--output-format", "json", "-m", "openai/gpt-4.1"],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["result"] == "I wrote out.txt." and result["num_turns"] == 2
    assert (project / "out.txt").read_text() == "hi\n"  # the tool ran on the client's machine
    assert not (tmp_path / "client-home" / "letta.db").exists()  # the agent lives on the server
    with sqlite3.connect(server_home / "letta.db") as db:
        query = "SELECT role FROM messages WHERE agent_id = ? ORDER BY seq"
        roles = [r[0] for r in db.execute(query, (result["agent_id"],))]
    assert roles == ["user", "assistant", "tool", "assistant"]


def test_headless_letta_names_the_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = client_env(tmp_path / "home", LETTA_BASE_URL=f"http://127.0.0.1:{port}")
    proc = subprocess.run(
        [*letta_executable(), "-p", "hi", "-m", "openai/gpt-4.1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "LETTA_BASE_URL" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
