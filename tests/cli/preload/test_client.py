"""`letta -p` handed to the preload server: the served run is the user's run in every way
that shows (output, exit status, working directory, environment, signals), and whenever
the server is not safe to use the run happens in-process."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from letta_code.cli.preload import client, server
from letta_code.testing import ModelServer, Reply
from tests.cli.preload.conftest import MODEL, Preload


def bash_result(model_server: ModelServer) -> str:
    """What the last request told the model the Bash call printed."""
    for message in reversed(model_server.last_messages()):
        if message.get("role") == "tool":
            return str(message.get("content"))
    raise AssertionError("no tool result in the last request")


def bash_turn(model_server: ModelServer, command: str, answer: str = "Done.") -> None:
    model_server.script([Reply(tool_calls=[("Bash", {"command": command})]), Reply(text=answer)])


def warm(preload: Preload, model_server: ModelServer) -> int:
    """One in-process run, which leaves a server up; returns its pid."""
    model_server.script([Reply(text="first")])
    first = preload.run("-p", "hi", *MODEL)
    assert first.returncode == 0, first.stderr
    assert preload.served() == 0
    return preload.wait_for_server()


def test_a_run_after_the_first_is_served_and_is_the_same_run(preload: Preload, model_server: ModelServer) -> None:
    warm(preload, model_server)
    (preload.letta.cwd / "sub").mkdir()
    env = {**preload.env, "MARKER": "from-the-client"}
    bash_turn(model_server, 'pwd; echo "$MARKER"; umask', answer="All done.")
    served = subprocess.run(
        preload.command("-p", "run it", "--yolo", *MODEL),
        cwd=preload.letta.cwd / "sub",
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0o027),
    )
    assert served.returncode == 0, served.stderr
    assert served.stdout == "All done.\n"
    assert preload.served() == 1
    printed = bash_result(model_server)
    assert str(preload.letta.cwd / "sub") in printed
    assert "from-the-client" in printed and "0027" in printed


def test_a_run_longer_than_the_servers_request_timeout_is_not_cut_short(
    preload: Preload, model_server: ModelServer
) -> None:
    warm(preload, model_server)
    model_server.script([Reply(text="took a while", delay=server._REQUEST_TIMEOUT + 1)])
    slow = preload.run("-p", "hi", *MODEL)
    assert slow.returncode == 0, slow.stderr
    assert slow.stdout == "took a while\n" and preload.served() == 1


def test_output_format_and_exit_status_come_through(preload: Preload, model_server: ModelServer) -> None:
    warm(preload, model_server)
    model_server.script([Reply(text="as json")])
    result = preload.run("-p", "hi", "--output-format", "json", *MODEL)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"] == "as json"
    failed = preload.run("-p", "hi", "-m", "no-such-provider/model")
    cold = preload.run("-p", "hi", "-m", "no-such-provider/model", env={**preload.env, "LETTA_PRELOAD": "0"})
    assert preload.served() == 2  # the json run and the failing one
    assert failed.returncode == cold.returncode != 0
    assert failed.stderr == cold.stderr and "Traceback" not in failed.stderr


def test_ctrl_c_reaches_the_served_run(preload: Preload, model_server: ModelServer) -> None:
    warm(preload, model_server)
    model_server.script([Reply(text="slow", delay=20)])
    proc = preload.start("-p", "hi", *MODEL)
    model_server.wait_for_requests(2, timeout=20)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    assert preload.served() == 1


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_the_run_dies_with_its_client(preload: Preload, model_server: ModelServer) -> None:
    server = warm(preload, model_server)
    model_server.script([Reply(text="slow", delay=30)])
    proc = preload.start("-p", "hi", *MODEL)
    model_server.wait_for_requests(2, timeout=20)
    assert len(children_of(server)) == 1  # the served run
    proc.kill()
    proc.communicate(timeout=10)
    deadline = time.monotonic() + 10
    while children_of(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert children_of(server) == []
    assert Path(f"/proc/{server}").exists()  # the server itself serves on


def test_a_run_with_other_limits_is_not_served(preload: Preload, model_server: ModelServer) -> None:
    """A child of the server would have the server's limits, not the caller's: a `letta -p`
    started under tighter limits (or in a sandbox) must not escape them."""
    warm(preload, model_server)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    bash_turn(model_server, "ulimit -n")
    tighter = subprocess.run(
        preload.command("-p", "run it", "--yolo", *MODEL),
        cwd=preload.letta.cwd,
        env=preload.env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 200), hard)),
    )
    assert tighter.returncode == 0, tighter.stderr
    assert preload.served() == 0
    assert bash_result(model_server).strip().splitlines()[-1] == str(min(soft, 200))


@pytest.mark.usefixtures("changed_code")
def test_changed_code_is_never_served(preload: Preload, model_server: ModelServer) -> None:
    server = warm(preload, model_server)
    import letta_code.cli.headless as module

    path = Path(str(module.__file__))
    before = path.stat()
    try:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        model_server.script([Reply(text="fresh")])
        result = preload.run("-p", "hi", *MODEL)
    finally:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert result.returncode == 0 and result.stdout == "fresh\n"
    assert preload.served() == 0
    deadline = time.monotonic() + 10
    while Path(f"/proc/{server}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{server}").exists()  # it exits rather than serve old code
    assert preload.wait_for_server() != server  # the in-process run started a new one


def test_a_dead_servers_socket_is_run_past_and_replaced(preload: Preload, model_server: ModelServer) -> None:
    server = warm(preload, model_server)
    os.kill(server, signal.SIGKILL)
    time.sleep(0.1)
    assert list(preload.folder.glob("*.sock"))  # left behind
    model_server.script([Reply(text="still works")])
    result = preload.run("-p", "hi", *MODEL)
    assert result.returncode == 0 and result.stdout == "still works\n"
    assert preload.served() == 0
    assert preload.wait_for_server() != server
    model_server.script([Reply(text="served again")])
    again = preload.run("-p", "hi", *MODEL)
    assert again.stdout == "served again\n" and preload.served() == 1


def test_off_switch_and_other_commands_start_no_server(preload: Preload, model_server: ModelServer) -> None:
    model_server.script([Reply(text="cold")])
    off = preload.run("-p", "hi", *MODEL, env={**preload.env, "LETTA_PRELOAD": "0"})
    assert off.returncode == 0 and off.stdout == "cold\n"
    assert preload.run("--help").returncode == 0
    time.sleep(1.0)
    assert not preload.folder.exists() or not list(preload.folder.glob("*.sock"))


def test_the_client_in_this_process_starts_a_server_hands_over_and_restores_its_signals(
    preload: Preload, model_server: ModelServer, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The same client code as `letta` runs, driven here so that what it does is seen from
    inside: no server (run in-process, then start one), then a run handed over."""
    for key, value in preload.env.items():
        monkeypatch.setenv(key, value)
    argv = ["-p", "hi", *MODEL]
    assert client.handoff(argv) is None  # nothing listening yet
    client.start_server_after(argv)
    preload.wait_for_server(timeout=60)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGTSTP)}
    capfd.readouterr()
    model_server.script([Reply(text="served in a child")])
    assert client.handoff(argv) == 0
    assert capfd.readouterr().out == "served in a child\n"  # written by the child, to our stdout
    assert preload.served() == 1
    assert {s: signal.getsignal(s) for s in handlers} == handlers
    assert client.handoff(["--help"]) is None  # not a headless run: never handed over
