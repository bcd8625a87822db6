"""Runs and their owners: a run whose process is gone is over at once, not after a timeout."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from letta_code.service.service import AgentService
from letta_code.service.store.runs import _owner_alive, _start_ticks


def owner_of(pid: int) -> str:
    start = _start_ticks(pid)
    return f"{socket.gethostname()}:{pid}" + (f":{start}" if start else "")


def killed_but_not_reaped() -> subprocess.Popen[bytes]:
    """A child SIGKILLed and not waited for: a zombie, which `kill(pid, 0)` still reaches."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    os.kill(child.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline, "the killed child did not become a zombie"
        time.sleep(0.01)
    return child


def test_a_live_owner_is_alive_and_a_killed_one_is_not_even_before_it_is_reaped() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert _owner_alive(owner_of(child.pid))
    finally:
        child.kill()
        child.wait()
    zombie = killed_but_not_reaped()
    try:
        owner = owner_of(zombie.pid)
        assert _owner_alive(owner) is False
    finally:
        zombie.wait()
    assert _owner_alive(owner) is False  # reaped: the pid is gone


def test_a_run_of_a_killed_process_is_failed_at_once(tmp_path: Path) -> None:
    service = AgentService(tmp_path / "letta.db", {})
    agent = service.create_agent(name="a", model="openai/gpt-4.1")
    conv = service.conversations.default_for(agent.id)
    run = service.runs.create(agent.id, conv.id, background=False)
    zombie = killed_but_not_reaped()
    try:
        with service.runs.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE runs SET owner = ? WHERE id = ?", (owner_of(zombie.pid), run.id))
        assert service.runs.active_for(conv.id) is None
    finally:
        zombie.wait()
    failed = service.runs.get(run.id)
    assert (failed.status, failed.error) == ("failed", "the process running it ended before the run finished")
