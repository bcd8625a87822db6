"""`letta -p --input-format stream-json` driven the way an IDE plugin or an agent SDK drives it:
a real subprocess, JSON lines both ways, several turns in one process, a permission prompt
the host answers, an interrupt, and the process ending when stdin closes."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from letta_code.cli.args import parse_args
from letta_code.cli.stream_session import run_stream_session
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable

Line = dict[str, Any]


class Host:
    """The host's end of the pipes: what it sent, every line it got (read by a thread, so a
    line is seen as soon as it is written)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[Line] = []
        self._incoming: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with contextlib.suppress(ValueError, OSError):  # the pipe closed under us: the test is over
            for raw in self.proc.stdout:
                self._incoming.put(raw)

    def send(self, message: Line) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def user(self, text: str) -> None:
        self.send({"type": "user", "message": {"role": "user", "content": text}})

    def control(self, request_id: str, subtype: str, **fields: Any) -> None:
        self.send({"type": "control_request", "request_id": request_id, "request": {"subtype": subtype, **fields}})

    def until(self, wanted: Callable[[Line], bool], timeout: float = 30) -> Line:
        """Read lines until one is `wanted` (returned); every line read is kept in `lines`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = json.loads(self._incoming.get(timeout=left))
            except queue.Empty:
                break
            self.lines.append(line)
            if wanted(line):
                return dict(line)
        raise AssertionError(f"no such line within {timeout} s; got {self.lines[-5:]}")

    def response_to(self, request_id: str, timeout: float = 30) -> Line:
        line = self.until(
            lambda m: m["type"] == "control_response" and m["response"]["request_id"] == request_id, timeout
        )
        return dict(line["response"])

    def result(self) -> Line:
        return self.until(lambda m: m["type"] == "result")


@pytest.fixture
def host(letta: Letta) -> Iterator[Host]:
    proc = subprocess.Popen(
        [*letta_executable(), "-p", "--input-format", "stream-json", "--output-format", "stream-json",
         "-m", "openai/gpt-4.1"],
        cwd=letta.cwd, env=letta.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, bufsize=1,
    )  # fmt: skip
    try:
        yield Host(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def test_a_multi_turn_session_with_a_host_prompt_and_an_interrupt(
    host: Host, letta: Letta, model_server: ModelServer
) -> None:
    init = host.until(lambda m: m["type"] == "init")
    host.control("init_1", "initialize", can_use_tool=True)
    answer = host.response_to("init_1")
    assert answer["subtype"] == "success" and answer["response"]["agent_id"] == init["agent_id"]
    assert answer["response"]["can_use_tool"] is True

    model_server.script([Reply(text="Hello there.")])
    host.user("hi")
    first = host.result()
    assert first["subtype"] == "success" and first["result"] == "Hello there."
    assert first["session_id"] == init["agent_id"]

    # A call that would ask is put to the host; it allows this one and denies the next.
    model_server.script(
        [
            Reply(tool_calls=[("Bash", {"command": "touch allowed.txt"}, "call_ok")]),
            Reply(text="Made it."),
            Reply(tool_calls=[("Bash", {"command": "touch denied.txt"}, "call_no")]),
            Reply(text="It was refused."),
        ]
    )
    host.user("make a file")
    ask = host.until(lambda m: m["type"] == "control_request")
    assert ask["request_id"] == "perm-call_ok" and ask["request"]["subtype"] == "can_use_tool"
    assert ask["request"]["tool_name"] == "Bash" and ask["request"]["input"] == {"command": "touch allowed.txt"}
    host.send({"type": "control_response", "response": {"subtype": "success", "request_id": "perm-call_ok",
                                                        "response": {"behavior": "allow"}}})  # fmt: skip
    assert host.result()["result"] == "Made it."
    assert (letta.cwd / "allowed.txt").exists()
    host.user("make another")
    host.until(lambda m: m["type"] == "control_request" and m["request_id"] == "perm-call_no")
    host.send({"type": "control_response", "response": {"subtype": "success", "request_id": "perm-call_no",
                                                        "response": {"behavior": "deny", "message": "not that one"}}})  # fmt: skip
    assert host.result()["result"] == "It was refused."
    assert not (letta.cwd / "denied.txt").exists()
    assert "not that one" in json.dumps(model_server.last_messages())

    # An interrupt stops a slow turn; the session goes on.
    model_server.script([Reply(text="too late", delay=20), Reply(text="Still here.")])
    host.user("take your time")
    deadline = time.monotonic() + 20
    while "take your time" not in model_server.last_user_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # the turn is under way: the model has the request
    host.control("stop_1", "interrupt")
    stopped = host.response_to("stop_1", timeout=15)
    assert stopped["subtype"] == "success" and stopped["response"]["interrupted"] is True
    interrupted = host.result()
    assert interrupted["is_error"] is True and interrupted["result"] == "interrupted"
    host.user("are you there?")
    assert host.result()["result"] == "Still here."
    assert all(line["session_id"] == init["agent_id"] for line in host.lines)

    assert host.proc.stdin is not None
    host.proc.stdin.close()
    assert host.proc.wait(timeout=20) == 0


def test_permission_mode_requests_and_bad_lines(host: Host, letta: Letta, model_server: ModelServer) -> None:
    host.until(lambda m: m["type"] == "init")
    host.control("mode_1", "set_permission_mode", mode="bypassPermissions")
    assert host.response_to("mode_1")["response"] == {"mode": "bypassPermissions"}
    model_server.script([Reply(tool_calls=[("Bash", {"command": "touch free.txt"})]), Reply(text="Done.")])
    host.user("make it")
    assert host.result()["result"] == "Done."
    assert (letta.cwd / "free.txt").exists()
    assert not [m for m in host.lines if m["type"] == "control_request"]  # nothing was asked

    host.control("mode_2", "set_permission_mode", mode="reckless")
    assert host.response_to("mode_2")["subtype"] == "error"
    host.control("what_1", "unknown_subtype")
    unknown = host.response_to("what_1")
    assert unknown["subtype"] == "error" and "Unknown control request subtype" in unknown["error"]
    host.control("rec_1", "recover_pending_approvals")
    assert host.response_to("rec_1")["response"] == {"recovered": True, "pending_approval": False,
                                                     "approvals_processed": 0}  # fmt: skip
    assert host.proc.stdin is not None
    host.proc.stdin.write("{not json\n")
    host.proc.stdin.flush()
    assert "Invalid JSON" in host.until(lambda m: m["type"] == "error")["message"]
    host.proc.stdin.close()
    assert host.proc.wait(timeout=20) == 0


def test_without_can_use_tool_a_call_that_would_ask_is_denied(
    host: Host, letta: Letta, model_server: ModelServer
) -> None:
    host.until(lambda m: m["type"] == "init")
    model_server.script([Reply(tool_calls=[("Bash", {"command": "touch nope.txt"})]), Reply(text="Denied.")])
    host.user("make it")
    assert host.result()["result"] == "Denied."
    assert not (letta.cwd / "nope.txt").exists()
    assert not [m for m in host.lines if m["type"] == "control_request"]


def test_a_host_session_in_process(
    letta_home: Path, project: Path, model_env: ModelServer, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The same protocol without a subprocess (so its code is measured): every line arrives at
    once, control requests are answered in order, the turns run one after the other."""
    sent = [
        {"type": "control_request", "request_id": "i", "request": {"subtype": "initialize"}},
        {"type": "control_request", "request_id": "r", "request": {"subtype": "recover_pending_approvals"}},
        {
            "type": "control_request",
            "request_id": "m",
            "request": {"subtype": "set_permission_mode", "mode": "bypassPermissions"},
        },
        {"type": "control_request", "request_id": "x", "request": {"subtype": "unknown_subtype"}},
        {"type": "user", "message": {"role": "user", "content": "hi"}},
        {"type": "user", "message": {"role": "user", "content": "run it"}},
        {"type": "user", "message": {"role": "user"}},
    ]
    text = "\n".join([*map(json.dumps, sent), "{bad json"]) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    model_env.script(
        [Reply(text="hello"), Reply(tool_calls=[("Bash", {"command": "touch ran.txt"})]), Reply(text="ran it")]
    )
    args = parse_args(["-p", "--input-format", "stream-json", "--output-format", "stream-json", "-m", "openai/gpt-4.1"])
    assert asyncio.run(run_stream_session(args, dict(os.environ))) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    responses = {m["response"]["request_id"]: m["response"] for m in out if m["type"] == "control_response"}
    assert responses["i"]["subtype"] == "success" and responses["i"]["response"]["can_use_tool"] is False
    assert responses["r"]["response"]["approvals_processed"] == 0
    assert responses["m"]["response"] == {"mode": "bypassPermissions"}
    assert responses["x"]["subtype"] == "error"
    assert [m["result"] for m in out if m["type"] == "result"] == ["hello", "ran it"]
    assert (project / "ran.txt").exists()
    errors = [m["message"] for m in out if m["type"] == "error"]
    assert any("message.content" in e for e in errors) and any("Invalid JSON" in e for e in errors)


def test_a_prompt_left_unanswered_when_the_host_closes_stdin_is_denied(
    host: Host, letta: Letta, model_server: ModelServer
) -> None:
    host.control("i", "initialize", can_use_tool=True)
    host.response_to("i")
    model_server.script([Reply(tool_calls=[("Bash", {"command": "touch never.txt"}, "call_x")]), Reply(text="Gone.")])
    host.user("make it")
    host.until(lambda m: m["type"] == "control_request" and m["request_id"] == "perm-call_x")
    assert host.proc.stdin is not None
    host.proc.stdin.close()  # no answer, ever
    assert host.result()["result"] == "Gone."
    assert host.proc.wait(timeout=20) == 0
    assert not (letta.cwd / "never.txt").exists()
