"""SIGKILL the real `letta server` mid-run, start it again: the client still gets the whole answer.

A background run is resumed by the restarted server from its last stored message
and continues its chunk numbering; the client resumes the stream from the last
`seq_id` it saw. A run that was not a background run is failed with a reason,
and its conversation takes new messages.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import letta_client
import pytest
from letta_client import Letta
from letta_client.types import CreateBlockParam

from letta_code.testing import ModelServer, RecordedRequest, Reply, text_of
from tests.conftest import letta_executable
from tests.server.conftest import user
from tests.server.test_process import KEY, server_env

WORDS = " ".join(f"word{i}" for i in range(40))


def start_server(
    home: Path, model: ModelServer, port: int = 0, *, log: Path | None = None, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """Start `letta server`; with `log`, its output (and, at log level info, the access log) goes there;
    `env`: more environment variables."""
    args = [*letta_executable(), "server", "--port", str(port), "--api-key", KEY]
    output = (log or home.parent / f"{home.name}-server.log").open("w")
    proc = subprocess.Popen(
        [*args, "--log-level", "info" if log else "warning"],
        env={**server_env(home, model), **(env or {})},
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output.close()
    deadline = time.monotonic() + 15
    url = None
    while url is None:
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", Path(output.name).read_text())
        url = match.group(1) if match else None
        if url is None and (time.monotonic() > deadline or proc.poll() is not None):
            raise AssertionError(f"letta server did not start: {Path(output.name).read_text()}")
        time.sleep(0.02)
    with Letta(base_url=url, api_key=KEY, max_retries=0) as probe:
        while True:
            try:
                probe.health()
                return proc, url
            except letta_client.APIConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def respond(request: RecordedRequest) -> Reply:
    """The model: answers by what the conversation holds, so a redone step gets the same answer."""
    messages = request.get("messages", [])
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    asked = text_of(messages[users[-1]].get("content")) if users else ""
    answered = any(m.get("role") == "tool" for m in messages[users[-1] :]) if users else False
    if "remember" in asked:
        if answered:
            return Reply(text=WORDS, chunk_delay=0.03)
        return Reply(tool_calls=[("memory_insert", {"label": "human", "new_str": "Likes jazz."})])
    if "slowly" in asked:
        return Reply(text=WORDS, chunk_delay=0.1)
    return Reply(text="Hello again.")


def shown(chunks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """What a client shows: deltas joined, tool calls, tool returns, the stop reason."""
    out: list[tuple[str, str]] = []
    for c in chunks:
        kind = c["message_type"]
        if kind in ("ping", "usage_statistics"):
            continue
        value = str(
            c.get("content") or c.get("tool_return") or (c.get("tool_call") or {}).get("name") or c.get("stop_reason")
        )
        if out and out[-1][0] == kind == "assistant_message":
            out[-1] = (kind, out[-1][1] + value)
        else:
            out.append((kind, value))
    return out


def as_dicts(stream: Any) -> Iterator[dict[str, Any]]:
    for chunk in stream:
        data: dict[str, Any] = chunk.model_dump(mode="json", exclude_none=True)
        if data.get("message_type") != "ping":
            yield data


@pytest.mark.slow
def test_sigkill_mid_run_then_restart_gives_the_whole_answer(
    tmp_path: Path, model_server: ModelServer, servers: list[subprocess.Popen[str]]
) -> None:
    home = tmp_path / "home"
    model_server.loop = True
    model_server.script([respond])
    proc, url = start_server(home, model_server)
    servers.append(proc)
    port = int(url.rsplit(":", 1)[1])
    client = Letta(base_url=url, api_key=KEY, max_retries=0)
    human: list[CreateBlockParam] = [{"label": "human", "value": "The user likes tea."}]
    jazz = user("remember I like jazz")

    reference = client.agents.create(name="reference", model="openai/gpt-4.1", memory_blocks=human)
    stream = client.conversations.messages.create(
        "default", agent_id=reference.id, messages=jazz, stream_tokens=True, background=True
    )
    expected = shown(list(as_dicts(stream)))
    assert expected[-2:] == [("assistant_message", WORDS), ("stop_reason", "end_turn")]

    agent = client.agents.create(name="killed", model="openai/gpt-4.1", memory_blocks=human)
    other = client.conversations.create(agent_id=agent.id)
    # A run that is not a background run, slow enough to be cut by the kill too.
    foreground = client.conversations.messages.create(
        other.id, messages=[{"role": "user", "content": "answer slowly"}], stream_tokens=True
    )
    foreground_run = next(iter(as_dicts(foreground)))["run_id"]

    stream = client.conversations.messages.create(
        "default", agent_id=agent.id, messages=jazz, stream_tokens=True, background=True
    )
    seen: list[dict[str, Any]] = []
    for chunk in as_dicts(stream):
        seen.append(chunk)
        if sum(c["message_type"] == "assistant_message" for c in seen) == 8:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            break
    with contextlib.suppress(Exception):  # what was on its way before the kill arrives; it counts as received
        for chunk in as_dicts(stream):
            seen.append(chunk)
    assert "stop_reason" not in [c["message_type"] for c in seen]
    run_id = seen[0]["run_id"]

    proc, url = start_server(home, model_server, port)
    servers.append(proc)
    client = Letta(base_url=url, api_key=KEY, max_retries=0)
    resumed = list(as_dicts(client.runs.messages.stream(run_id, starting_after=seen[-1]["seq_id"])))

    assert shown([*seen, *resumed]) == expected
    seqs = [c["seq_id"] for c in [*seen, *resumed]]
    assert seqs == list(range(1, len(seqs) + 1))  # nothing lost, nothing twice
    run = client.runs.retrieve(run_id)
    assert (run.status, run.stop_reason) == ("completed", "end_turn")
    messages = [m for m in client.agents.messages.list(agent.id, order="asc") if m.message_type != "system_message"]
    assert [m.message_type for m in messages] == [
        "user_message",
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
    ]
    assert client.agents.blocks.retrieve("human", agent_id=agent.id).value.count("Likes jazz.") == 1
    # reference 2 steps, the killed run 2 + its interrupted step redone, the foreground run 1
    assert len(model_server.model_requests) == 6

    failed = client.runs.retrieve(foreground_run)
    assert failed.status == "failed" and failed.stop_reason == "error"
    error = (failed.metadata or {}).get("error", "")
    assert isinstance(error, str) and "only background runs are resumed" in error
    again = client.conversations.messages.create(other.id, messages=[{"role": "user", "content": "hi"}])
    assert shown(list(as_dicts(again)))[-2:] == [("assistant_message", "Hello again."), ("stop_reason", "end_turn")]
