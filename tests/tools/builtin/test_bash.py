"""Bash (foreground): output layout, exit codes, timeouts that kill the process group,
commands that die with the process that ran them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from letta_code.tools.base import ToolResult, ToolSession
from letta_code.tools.registry import interrupt
from tests.tools.conftest import call


def alive(pid: int) -> bool:
    """Is `pid` a live (not zombie) process?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_until(cond: Callable[[], object], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return bool(cond())


def test_stdout_then_stderr_then_exit_code(session: ToolSession) -> None:
    r = call("Bash", {"command": "echo out; echo err >&2; echo more; exit 3"}, session)
    assert (r.status, r.output) == ("error", "out\nmore\nerr\nExit code: 3")


def test_success_and_no_output(session: ToolSession) -> None:
    assert call("Bash", {"command": "printf 'a\\nb\\n'"}, session).output == "a\nb"
    r = call("Bash", {"command": "true", "description": "nothing"}, session)
    assert (r.status, r.output) == ("success", "(no output)")
    r = call("Bash", {"command": "exit 1"}, session)
    assert (r.status, r.output) == ("error", "(no output)\nExit code: 1")


def test_runs_in_session_cwd_with_no_stdin(session: ToolSession) -> None:
    assert call("Bash", {"command": "pwd"}, session).output == str(session.cwd)
    assert call("Bash", {"command": "cat"}, session).output == "(no output)"


def test_timeout_kills_the_whole_process_group(session: ToolSession) -> None:
    cmd = "echo started; (sleep 30; echo late > late.txt) & echo $! > child.pid; sleep 30"
    start = time.monotonic()
    r = call("Bash", {"command": cmd, "timeout": 500}, session)
    assert time.monotonic() - start < 5
    assert (r.status, r.output) == (
        "error",
        "started\nCommand timed out after 0.5s and was killed (with all its child processes).",
    )
    child = int((session.cwd / "child.pid").read_text())
    assert wait_until(lambda: not alive(child)), "the child sleep outlived the timeout"
    assert not (session.cwd / "late.txt").exists()


def test_term_ignoring_command_is_still_killed(session: ToolSession) -> None:
    cmd = "trap '' TERM; echo $$ > me.pid; sleep 30"
    r = call("Bash", {"command": cmd, "timeout": 300}, session)
    assert r.output == ("(no output)\nCommand timed out after 0.3s and was killed (with all its child processes).")
    assert wait_until(lambda: not alive(int((session.cwd / "me.pid").read_text())))


def test_background_child_does_not_block_the_result(session: ToolSession) -> None:
    start = time.monotonic()
    r = call("Bash", {"command": "sleep 3 & echo done"}, session)
    assert r.output == "done"
    assert time.monotonic() - start < 2


def test_killed_by_signal(session: ToolSession) -> None:
    r = call("Bash", {"command": "echo bye; kill -9 $$"}, session)
    assert (r.status, r.output) == ("error", "bye\nCommand was killed by signal SIGKILL.")


def test_long_output_is_cut_in_the_middle(session: ToolSession) -> None:
    out = call("Bash", {"command": "seq 1 20000"}, session).output
    assert len(out) < 30_200
    head, note, tail = out.split("\n\n")
    shown_head = [int(x) for x in head.split("\n")]
    shown_tail = [int(x) for x in tail.split("\n")]
    a, b = shown_head[-1], shown_tail[0]
    assert shown_head == list(range(1, a + 1)) and shown_tail == list(range(b, 20001))
    cut_chars = sum(len(str(k)) + 1 for k in range(a + 1, b))
    assert note == (f"[... {cut_chars:,} characters ({b - a - 1:,} lines) truncated from the middle of the output ...]")


def test_huge_output_costs_bounded_memory_and_says_about(session: ToolSession) -> None:
    out = call("Bash", {"command": "yes abcdefghi | head -c 5000000"}, session).output
    assert len(out) < 30_200
    assert re.search(r"\[\.\.\. about [\d,]+ characters truncated from the middle of the output \.\.\.\]", out)
    assert out.endswith("abcdefghi")


def test_interrupt_kills_running_command(session: ToolSession) -> None:
    results: list[ToolResult] = []
    t = threading.Thread(target=lambda: results.append(call("Bash", {"command": "sleep 30"}, session)))
    start = time.monotonic()
    t.start()
    assert wait_until(lambda: bool(session.state.get("foreground_processes")))
    assert interrupt(session) == 1
    t.join(5)
    assert time.monotonic() - start < 5
    assert results[0].output == "(no output)\nCommand was interrupted by the user and killed."


def test_argument_errors(session: ToolSession) -> None:
    assert call("Bash", {}, session).output == "Error: missing required argument: 'command'"
    assert call("Bash", {"command": "  "}, session).output == "Error: 'command' must not be empty"
    r = call("Bash", {"command": "true", "timeout": 0}, session)
    assert r.output == "Error: 'timeout' must be a positive number of milliseconds, got 0"
    r = call("Bash", {"command": "true", "timeout": "soon"}, session)
    assert r.output == "Error: 'timeout' must be an integer, got 'soon'"
    r = call("Bash", {"command": "echo x", "timeout": "1000"}, session)
    assert r.output == "x"  # numeric strings are accepted


def test_missing_cwd_is_an_error_not_a_crash(session: ToolSession, tmp_path: Path) -> None:
    gone = ToolSession(cwd=tmp_path / "gone")
    r = call("Bash", {"command": "true"}, gone)
    assert (r.status, r.output) == (
        "error",
        f"Error: No such file or directory: {tmp_path / 'gone'}",
    )


DIES_WITH_PARENT = """
import sys
from pathlib import Path
from letta_code.tools.base import ToolSession
from letta_code.tools.registry import get_tool

session = ToolSession(cwd=Path(sys.argv[1]))
bash = get_tool("Bash")
bash.run({"command": "sleep 2; touch background", "run_in_background": True}, session)
print("started", flush=True)
bash.run({"command": "touch running; sleep 2; touch foreground"}, session)
"""


def test_commands_die_with_the_process_that_ran_them_even_on_sigkill(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", DIES_WITH_PARENT, str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None and proc.stdout.readline() == "started\n"
        assert wait_until(lambda: (tmp_path / "running").exists())  # the foreground `sleep 2` runs now
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["running"]  # neither shell went on to `touch`
