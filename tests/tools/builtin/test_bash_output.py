"""Background Bash + BashOutput + KillBash, and cleanup by shutdown and at exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from letta_code.tools.base import ToolSession
from letta_code.tools.registry import shutdown
from tests.tools.builtin.test_bash import alive, wait_until
from tests.tools.conftest import call


def start(session: ToolSession, command: str) -> str:
    r = call("Bash", {"command": command, "run_in_background": True}, session)
    assert r.status == "success"
    shell_id = r.output.split()[3]
    assert r.output.startswith(f"Started background shell {shell_id} (pid ")
    assert r.output.endswith(f'Read its output with BashOutput(bash_id="{shell_id}"); stop it with KillBash.')
    return shell_id


def output(session: ToolSession, shell_id: str, **kw: object) -> str:
    r = call("BashOutput", {"bash_id": shell_id, **kw}, session)
    assert r.status == "success", r.output
    return r.output


def poll_for(session: ToolSession, shell_id: str, text: str) -> str:
    """Call BashOutput until a read contains `text`; earlier reads must have had nothing new."""
    got: list[str] = []

    def check() -> bool:
        got.append(output(session, shell_id))
        return text in got[-1]

    assert wait_until(check), got
    assert all(g.endswith("(no new output)") for g in got[:-1]), got
    return got[-1]


def test_incremental_output_then_kill(session: ToolSession) -> None:
    cmd = "echo one; while [ ! -e go ]; do sleep 0.02; done; echo two; sleep 30"
    sid = start(session, cmd)
    assert sid == "bash_1"
    assert poll_for(session, sid, "one") == "Status: running\none"
    assert output(session, sid) == "Status: running\n(no new output)"
    (session.cwd / "go").touch()
    assert poll_for(session, sid, "two") == "Status: running\ntwo"
    r = call("KillBash", {"bash_id": sid}, session)
    assert r.output == f"Killed shell bash_1 ({cmd})."
    assert output(session, sid) == "Status: killed\n(no new output)"
    r = call("KillBash", {"bash_id": sid}, session)
    assert r.output == "Shell bash_1 was not running (killed)."


def test_second_shell_gets_next_id(session: ToolSession) -> None:
    assert start(session, "true") == "bash_1"
    assert start(session, "true") == "bash_2"


def test_exited_status_with_all_output(session: ToolSession) -> None:
    sid = start(session, "echo hi; echo oops >&2; exit 4")
    shell = session.state["background_shells"][sid]
    shell.proc.wait(5)
    assert output(session, sid) == "Status: exited with code 4\nhi\n[stderr]\noops"
    assert output(session, sid) == "Status: exited with code 4\n(no new output)"


def test_filter_keeps_matching_lines(session: ToolSession) -> None:
    sid = start(session, "printf 'a1\\nb2\\na3\\n'")
    session.state["background_shells"][sid].proc.wait(5)
    assert output(session, sid, filter="^a") == "Status: exited with code 0\na1\na3"
    assert output(session, sid) == "Status: exited with code 0\n(no new output)"


def test_bad_filter_and_unknown_id(session: ToolSession) -> None:
    sid = start(session, "true")
    r = call("BashOutput", {"bash_id": sid, "filter": "("}, session)
    assert r.status == "error"
    assert r.output.startswith("Error: invalid filter regex '(': missing ), unterminated subpattern")
    r = call("BashOutput", {"bash_id": "bash_9"}, session)
    assert r.output == "Error: No background shell with id 'bash_9' (known shells: bash_1)."
    r = call("KillBash", {"bash_id": "nope"}, session)
    assert r.output == "Error: No background shell with id 'nope' (known shells: bash_1)."


def test_shutdown_kills_background_groups(session: ToolSession) -> None:
    start(session, "sleep 30 & echo $! > c; echo $$ > l; mv c child.pid; mv l leader.pid; wait")
    assert wait_until(lambda: (session.cwd / "child.pid").exists() and (session.cwd / "leader.pid").exists())
    child = int((session.cwd / "child.pid").read_text())
    leader = int((session.cwd / "leader.pid").read_text())
    assert alive(child) and alive(leader)
    assert shutdown(session) == 1
    assert wait_until(lambda: not alive(child) and not alive(leader))
    assert session.state["background_shells"] == {}
    assert shutdown(session) == 0


def test_background_shells_die_at_interpreter_exit(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from letta_code.tools.base import ToolSession
        from letta_code.tools.registry import get_tool
        s = ToolSession(cwd=Path({str(tmp_path)!r}))
        r = get_tool("Bash").run(
            {{"command": "sleep 30 & echo $! > c.tmp; mv c.tmp child.pid; wait",
              "run_in_background": True}}, s
        )
        import time
        while not Path({str(tmp_path / "child.pid")!r}).exists():
            time.sleep(0.02)
        print(r.output)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Started background shell bash_1")
    child = int((tmp_path / "child.pid").read_text())
    assert wait_until(lambda: not alive(child))
