"""Background shells report their own end: the session's exit listener is called from the
shell's waiting thread, `claim_end` is true once, and never for a shell killed with KillBash
or at shutdown, nor for one whose end the model already read with BashOutput."""

from __future__ import annotations

import threading
import time

from letta_code.tools.base import ToolSession
from letta_code.tools.registry import shutdown
from letta_code.tools.shells import BackgroundShell, on_background_exit, session_shells
from tests.tools.builtin.test_bash import wait_until
from tests.tools.conftest import call


class Ends:
    """An exit listener that records the shells it heard of, and from which thread."""

    def __init__(self) -> None:
        self.shells: list[BackgroundShell] = []
        self.threads: list[str] = []
        self.heard = threading.Event()

    def __call__(self, shell: BackgroundShell) -> None:
        self.shells.append(shell)
        self.threads.append(threading.current_thread().name)
        self.heard.set()


def background(session: ToolSession, command: str) -> BackgroundShell:
    r = call("Bash", {"command": command, "run_in_background": True}, session)
    assert r.status == "success", r.output
    return session_shells(session)[r.output.split()[3]]


def test_an_end_on_its_own_is_heard_with_its_exit_code_and_claimed_once(session: ToolSession) -> None:
    ends = Ends()
    on_background_exit(session, ends)
    shell = background(session, "echo working; exit 3")
    assert ends.heard.wait(5)
    assert ends.shells == [shell] and shell.returncode == 3
    assert ends.threads == ["letta-bash_1"]  # not the caller's thread: the listener must hand over
    assert shell.end_unreported()
    assert shell.claim_end() is True
    assert shell.claim_end() is False and not shell.end_unreported()


def test_a_shell_killed_with_killbash_is_not_reported(session: ToolSession) -> None:
    ends = Ends()
    on_background_exit(session, ends)
    shell = background(session, "sleep 30")
    r = call("KillBash", {"bash_id": shell.id}, session)
    assert r.output == "Killed shell bash_1 (sleep 30)."
    assert not ends.heard.wait(0.5)
    assert ends.shells == [] and shell.claim_end() is False


def test_an_end_the_model_read_with_bashoutput_is_not_reported_again(session: ToolSession) -> None:
    ends = Ends()
    on_background_exit(session, ends)
    shell = background(session, "echo done")
    assert ends.heard.wait(5)
    r = call("BashOutput", {"bash_id": shell.id}, session)
    assert r.output == "Status: exited with code 0\ndone"
    assert shell.claim_end() is False


def test_shutdown_reports_nothing_and_no_listener_is_fine(session: ToolSession) -> None:
    quiet = background(session, "true")  # nobody listens yet: ends unheard, still claimable
    assert wait_until(lambda: quiet.returncode is not None)
    assert quiet.end_unreported()
    ends = Ends()
    on_background_exit(session, ends)
    sleeper = background(session, "sleep 30")
    assert shutdown(session) == 1
    ends.heard.wait(0.5)
    # The killed command is never reported (the quiet one's thread may still report its own end late).
    assert sleeper not in ends.shells
    on_background_exit(session, None)
    assert session_shells(session) == {}


def test_killing_a_shell_still_kills_what_ignored_sigterm(session: ToolSession) -> None:
    # The waiting thread must not reap the shell while KillBash runs: the group's SIGKILL needs it unreaped.
    marker = session.cwd / "survived"
    shell = background(session, f"(trap '' TERM; sleep 1; touch {marker}) & sleep 100")
    time.sleep(0.2)  # both processes are up
    shell.kill()
    time.sleep(1.5)
    assert not marker.exists()
