"""SIGKILL `letta -p` while its Bash command runs: the command dies with it, and the next
session tells the model what is known (it may have run), never that it did not run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable, require_sandbox

MAY_HAVE_RUN = "interrupted while it ran; it may have completed — check before running it again"


def descendants(root: int) -> dict[int, str]:
    """pid -> command name of every process below `root` (Linux /proc)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, _, rest = stat.partition(" (")[2].rpartition(") ")
        parents[int(entry.name)] = int(rest.split()[1])
        names[int(entry.name)] = name
    found: dict[int, str] = {}
    for pid in parents:
        up = parents.get(pid, 0)
        while up > 1:
            if up == root:
                found[pid] = names[pid]
                break
            up = parents.get(up, 0)
    return found


def wait_for_sleep(proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while "sleep" not in descendants(proc.pid).values():
        assert proc.poll() is None, f"letta ended before its command ran: {proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < deadline, "the Bash command never started"
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("sandbox", ["off", "bubblewrap", "landlock"])
def test_a_command_dies_with_letta_and_the_next_session_says_it_may_have_run(
    letta: Letta, model_server: ModelServer, sandbox: str
) -> None:
    env = dict(letta.env)
    if sandbox != "off":
        require_sandbox(sandbox)
        (letta.cwd / ".letta").mkdir()
        (letta.cwd / ".letta" / "settings.json").write_text(json.dumps({"sandbox": {"enabled": True}}))
        env["LETTA_SANDBOX_BACKEND"] = sandbox
    calls = [
        ("Bash", {"command": "sleep 2; touch marker"}, "call_slow"),
        ("Bash", {"command": "touch second"}, "call_next"),
    ]
    model_server.script([Reply(tool_calls=calls), Reply(text="I will check first.")])
    args = ["-p", "make the markers", "--yolo", "-m", "openai/gpt-4.1"]
    proc = subprocess.Popen(
        [*letta_executable(), *args], cwd=letta.cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_sleep(proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate()
    time.sleep(3)
    assert not (letta.cwd / "marker").exists()  # the command died with letta
    assert not (letta.cwd / "second").exists()

    again = subprocess.run(
        [*letta_executable(), "-p", "did it work?", "--yolo", "-m", "openai/gpt-4.1"],
        cwd=letta.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "I will check first."
    results = {m["tool_call_id"]: m["content"] for m in model_server.last_messages() if m.get("role") == "tool"}
    assert MAY_HAVE_RUN in results["call_slow"] and "not run" not in results["call_slow"]
    assert results["call_next"].startswith("Error: not run: ")  # it never started
    assert list((letta.home / "started-tool-calls").iterdir()) == []  # answered: nothing left behind


def test_a_command_that_finished_leaves_no_record_behind(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(tool_calls=[("Bash", {"command": "touch done"})]), Reply(text="Done.")])
    proc = letta.run("-p", "touch it", "--yolo", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert (letta.cwd / "done").exists()
    assert list((letta.home / "started-tool-calls").iterdir()) == []
