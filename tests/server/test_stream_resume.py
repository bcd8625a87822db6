"""SIGKILL `letta server` mid-message, start it again, resume the stream: exactly the stored message.

The restarted server redoes the interrupted step. When the model answers it as
before, only the rest of the text is sent (the chunks continue the partial
message); when it answers differently, an `event_message` of type
`message_superseded` names the partial message and the step comes whole under a
new message id. Either way a client that assembles the stream by message id, by
otid, or honours the event ends up with exactly the stored message, and one
that joins every delta repeats no token when the model answered as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from letta_client import Letta

from letta_code.testing import ModelServer, Reply
from tests.conftest import letta_executable
from tests.server import test_restart
from tests.server.test_process import KEY, client_env
from tests.server.test_restart import as_dicts, start_server

servers = test_restart.servers  # the fixture: `letta server` processes, killed at the end

WORDS = " ".join(f"word{i}" for i in range(40))
OTHER = " ".join(f"other{i}" for i in range(30))


def by_key(chunks: Iterable[dict[str, Any]], key: str) -> dict[str, str]:
    """Assistant text joined per `key` ("id" or "otid"), as a client that knows nothing else does."""
    texts: dict[str, str] = {}
    for c in chunks:
        if c.get("message_type") == "assistant_message":
            texts[str(c[key])] = texts.get(str(c[key]), "") + str(c["content"])
    return texts


def honouring(chunks: list[dict[str, Any]]) -> dict[str, str]:
    """Assistant text per message id, dropping the messages a `message_superseded` event names."""
    dropped = {
        (c.get("event_data") or {}).get("message_id")
        for c in chunks
        if c.get("message_type") == "event_message" and c.get("event_type") == "message_superseded"
    }
    return {mid: text for mid, text in by_key(chunks, "id").items() if mid not in dropped}


def stored_answers(client: Letta, agent_id: str, conversation_id: str = "default") -> list[Any]:
    """The assistant messages the server stored (GET messages)."""
    listed = client.conversations.messages.list(conversation_id, agent_id=agent_id, order="asc")
    return [m for m in listed if m.message_type == "assistant_message"]


def follow_until_killed(stream: Any, proc: subprocess.Popen[str], deltas: int) -> list[dict[str, Any]]:
    """Read the stream; SIGKILL the server once `deltas` assistant chunks came; what arrived counts."""
    seen: list[dict[str, Any]] = []
    for chunk in as_dicts(stream):
        seen.append(chunk)
        if sum(c["message_type"] == "assistant_message" for c in seen) == deltas:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            break
    with contextlib.suppress(Exception):
        for chunk in as_dicts(stream):
            seen.append(chunk)
    assert "stop_reason" not in [c["message_type"] for c in seen]
    return seen


def snake(value: Any) -> Any:
    """A stream-json event's message back in the server's own keys (`seqId` -> `seq_id`)."""
    if isinstance(value, dict):
        return {re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k): snake(v) for k, v in value.items()}
    return value


def replies(*texts: str, delay: float = 0.05) -> list[Reply]:
    return [Reply(text=text, chunk_delay=delay) for text in texts]


def check_assembly(everything: list[dict[str, Any]], stored: Any, *, answered_as_before: bool) -> None:
    seqs = [c["seq_id"] for c in everything]
    assert seqs == list(range(1, len(seqs) + 1))  # nothing lost, nothing twice
    assert honouring(everything) == {stored.id: stored.content}
    assert by_key(everything, "id")[stored.id] == stored.content
    assert by_key(everything, "otid")[stored.otid] == stored.content
    superseded = [c for c in everything if c.get("event_type") == "message_superseded"]
    if answered_as_before:
        assert superseded == []
        joined = "".join(c["content"] for c in everything if c["message_type"] == "assistant_message")
        assert joined == stored.content  # no repeated token
    else:
        assert len(superseded) == 1 and superseded[0]["event_data"]["replaced_by"] == stored.id


@pytest.mark.slow
@pytest.mark.parametrize("answered_as_before", [True, False], ids=["same-answer", "changed-answer"])
@pytest.mark.parametrize("via", ["run", "conversation"])
def test_a_stream_resumed_after_a_crash_assembles_exactly_the_stored_message(
    tmp_path: Path,
    model_server: ModelServer,
    servers: list[subprocess.Popen[str]],
    answered_as_before: bool,
    via: str,
) -> None:
    home = tmp_path / "home"
    model_server.script(replies(WORDS, WORDS if answered_as_before else OTHER))
    proc, url = start_server(home, model_server)
    servers.append(proc)
    port = int(url.rsplit(":", 1)[1])
    client = Letta(base_url=url, api_key=KEY, max_retries=0)
    agent = client.agents.create(name="killed", model="openai/gpt-4.1")
    conv = client.conversations.create(agent_id=agent.id)
    stream = client.conversations.messages.create(
        conv.id, messages=[{"role": "user", "content": "count"}], stream_tokens=True, background=True
    )
    seen = follow_until_killed(stream, proc, 8)
    run_id, last = seen[0]["run_id"], seen[-1]["seq_id"]

    proc, url = start_server(home, model_server, port)
    servers.append(proc)
    client = Letta(base_url=url, api_key=KEY, max_retries=0)
    if via == "run":
        rest = client.runs.messages.stream(run_id, starting_after=last)
    else:
        rest = client.conversations.messages.stream(conv.id, starting_after=last)
    everything = [*seen, *as_dicts(rest)]

    assert everything[-2]["message_type"] == "stop_reason" and everything[-2]["stop_reason"] == "end_turn"
    [stored] = stored_answers(client, agent.id, conv.id)
    assert stored.content == (WORDS if answered_as_before else OTHER)
    check_assembly(everything, stored, answered_as_before=answered_as_before)
    assert len(model_server.model_requests) == 2  # the interrupted step, redone once


@pytest.mark.slow
def test_a_redone_step_cut_again_is_resumed_under_its_new_id(
    tmp_path: Path, model_server: ModelServer, servers: list[subprocess.Popen[str]]
) -> None:
    home = tmp_path / "home"
    # First attempt WORDS (cut), the redo answers OTHER (cut too), the third attempt OTHER again.
    model_server.script(replies(WORDS, OTHER, OTHER))
    proc, url = start_server(home, model_server)
    servers.append(proc)
    port = int(url.rsplit(":", 1)[1])
    client = Letta(base_url=url, api_key=KEY, max_retries=0)
    agent = client.agents.create(name="twice", model="openai/gpt-4.1")
    stream = client.conversations.messages.create(
        "default",
        agent_id=agent.id,
        messages=[{"role": "user", "content": "count"}],
        stream_tokens=True,
        background=True,
    )
    seen = follow_until_killed(stream, proc, 6)
    run_id = seen[0]["run_id"]
    proc, url = start_server(home, model_server, port)
    servers.append(proc)
    client = Letta(base_url=url, api_key=KEY, max_retries=0)
    seen += follow_until_killed(client.runs.messages.stream(run_id, starting_after=seen[-1]["seq_id"]), proc, 6)
    assert any(c.get("event_type") == "message_superseded" for c in seen)

    proc, url = start_server(home, model_server, port)
    servers.append(proc)
    client = Letta(base_url=url, api_key=KEY, max_retries=0)
    everything = [*seen, *as_dicts(client.runs.messages.stream(run_id, starting_after=seen[-1]["seq_id"]))]
    [stored] = stored_answers(client, agent.id)
    assert stored.content == OTHER
    check_assembly(everything, stored, answered_as_before=False)
    assert len(model_server.model_requests) == 3


@pytest.mark.slow
@pytest.mark.parametrize("answered_as_before", [True, False], ids=["same-answer", "changed-answer"])
def test_headless_letta_over_a_server_killed_mid_message_prints_the_stored_answer(
    tmp_path: Path, model_server: ModelServer, servers: list[subprocess.Popen[str]], answered_as_before: bool
) -> None:
    home = tmp_path / "server-home"
    model_server.script(replies(WORDS, WORDS if answered_as_before else OTHER))
    proc, url = start_server(home, model_server)
    servers.append(proc)
    port = int(url.rsplit(":", 1)[1])
    project = tmp_path / "project"
    project.mkdir()
    env = client_env(tmp_path / "client-home", LETTA_BASE_URL=url, LETTA_API_KEY=KEY)
    args = ["-p", "count", "--output-format", "stream-json", "-m", "openai/gpt-4.1"]
    letta = subprocess.Popen(
        [*letta_executable(), *args], env=env, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert letta.stdout is not None
        events = []
        for line in letta.stdout:
            events.append(json.loads(line))
            if sum(e.get("messageType") == "assistant_message" for e in events) == 8:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(0.5)  # the client finds the server gone and keeps trying
        proc, url = start_server(home, model_server, port)
        servers.append(proc)
        out, err = letta.communicate(timeout=60)
    finally:
        if letta.poll() is None:
            letta.kill()
            letta.wait()
    assert letta.returncode == 0, err
    events += [json.loads(line) for line in out.splitlines()]
    result = events[-1]
    assert result["type"] == "result" and result["subtype"] == "success"
    client = Letta(base_url=url, api_key=KEY, max_retries=0)
    [stored] = stored_answers(client, result["agent_id"])
    assert result["result"] == stored.content == (WORDS if answered_as_before else OTHER)
    chunks = [snake(e) for e in events if e.get("type") == "message"]
    check_assembly(chunks, stored, answered_as_before=answered_as_before)
