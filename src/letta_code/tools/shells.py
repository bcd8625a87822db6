"""Running `bash -c` commands: foreground runs, background shells, killing process groups.

Every command runs in its own session (so its own process group); stopping a
command kills the whole group, children included. Output goes to temporary files
rather than pipes, so a stray background child holding the output open never
blocks us and a command printing gigabytes costs no memory. Background shells
live in `session.state["background_shells"]` and are all killed at interpreter
exit even if nobody calls `registry.shutdown`. When the session has a sandbox
(`tools.sandbox`), the command runs inside it; the group kill reaches it all the same.

A command dies with `letta`, even when `letta` is SIGKILLed: a tiny watcher
(`sh -c read`, outside the command's group) holds the read end of a pipe whose
write end only `letta` has; when `letta` dies the pipe closes and the watcher
kills the command's whole process group. When the command ends first, `letta`
tells the watcher so and it exits. (PR_SET_PDEATHSIG on the shell would not do:
it kills the shell alone, not `sleep 2; touch marker`'s running `sleep`, and it
fires when the *thread* that started the shell ends.) Under bubblewrap the
sandbox does it (`--die-with-parent`, its own pid namespace).

Each background shell has a waiting thread that learns when it ends (`os.waitid`
with WNOWAIT, which neither reaps it nor takes Popen's lock, so `poll()` elsewhere
keeps working) and calls the session's exit listener (`on_background_exit`) unless
it was killed. Whoever tells the agent of the end calls `claim_end()` first: it is
True once, and never for a shell whose end the model already saw (BashOutput).
"""

from __future__ import annotations

import atexit
import codecs
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from letta_code.tools.base import ToolSession
from letta_code.tools.truncate import read_capped

SHELLS_KEY = "background_shells"
RUNNING_KEY = "foreground_processes"
EXIT_LISTENER_KEY = "background_exit_listener"
_READ_CHUNK = 2_000_000

_live: set[BackgroundShell] = set()
_live_lock = threading.Lock()
_counter_lock = threading.Lock()
# Read a line from letta (the command ended: exit), or the end of the pipe (letta died: kill the group).
_WATCH = 'read -r _ || kill -s KILL -- "-$1" 2>/dev/null'
_watchers: dict[int, tuple[subprocess.Popen[bytes], int]] = {}  # command pid -> (watcher, pipe's write end)
_released: list[subprocess.Popen[bytes]] = []  # watchers told to exit, reaped without waiting for them
_watchers_lock = threading.Lock()


def _bash() -> str:
    return shutil.which("bash") or "/bin/bash"


def _sh() -> str:
    """A POSIX shell for the watcher (dash starts in half the time of bash)."""
    return "/bin/sh" if os.path.exists("/bin/sh") else _bash()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PAGER", "cat")
    env["GIT_PAGER"] = "cat"
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    return env


def _spawn(command: str, session: ToolSession, out_fd: int, err_fd: int) -> subprocess.Popen[bytes]:
    """Start `bash -c command` in its own session, inside the session's sandbox if it has one;
    it dies with this process (see the module's docstring)."""
    argv = [_bash(), "-c", command]
    preexec = None
    if session.sandbox is not None:
        plan = session.sandbox.wrap(argv, session.cwd)
        argv, preexec = plan.argv, plan.preexec_fn
    proc = subprocess.Popen(
        argv,
        cwd=session.cwd,
        preexec_fn=preexec,
        stdin=subprocess.DEVNULL,
        stdout=out_fd,
        stderr=err_fd,
        start_new_session=True,
        env=_env(),
    )
    if session.sandbox is None or session.sandbox.backend != "bubblewrap":
        _watch(proc.pid)
    return proc


def _watch(pgid: int) -> None:
    """Start the watcher that kills process group `pgid` if this process dies before it ends."""
    try:
        read_end, write_end = os.pipe()  # not inherited by any other child (PEP 446)
    except OSError:  # out of descriptors: the command runs unwatched rather than not at all
        return
    try:
        watcher = subprocess.Popen(
            [_sh(), "-c", _WATCH, "letta-watch", str(pgid)],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the group kill and the terminal's Ctrl-C pass it by
        )
    except OSError:
        os.close(write_end)
        return
    finally:
        os.close(read_end)
    with _watchers_lock:
        _watchers[pgid] = (watcher, write_end)


def _unwatch(proc: subprocess.Popen[bytes]) -> None:
    """The command has ended (and is reaped, or killed): its watcher may go."""
    with _watchers_lock:
        entry = _watchers.pop(proc.pid, None)
    if entry is None:
        return
    watcher, write_end = entry
    with contextlib.suppress(OSError):
        os.write(write_end, b"\n")
    os.close(write_end)
    with _watchers_lock:  # it exits at once; reap those that have (this one, the next time)
        _released.append(watcher)
        _released[:] = [w for w in _released if w.poll() is None]


def _leader_exited(pid: int) -> bool:
    """Has `pid` exited? Checked without reaping it, so its group id stays reserved."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def kill_group(proc: subprocess.Popen[bytes], grace: float = 0.3) -> None:
    """SIGTERM the process group of `proc`, then SIGKILL whatever is left; reap `proc`."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and not _leader_exited(proc.pid):
            time.sleep(0.01)
    if proc.returncode is None:  # the leader is not reaped yet, so the pgid is still ours
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    _unwatch(proc)


@dataclass
class ForegroundRun:
    """The outcome of one foreground command."""

    stdout: str
    stderr: str
    returncode: int
    timed_out: bool = False
    interrupted: bool = False
    hidden: int = 0  # bytes dropped from the middle of huge output


def run_foreground(command: str, session: ToolSession, timeout: float) -> ForegroundRun:
    """Run `command` to completion (or until `timeout` seconds), capturing its output."""
    out_fd, out_path = tempfile.mkstemp(prefix="letta-bash-", suffix=".out")
    err_fd, err_path = tempfile.mkstemp(prefix="letta-bash-", suffix=".err")
    try:
        try:
            proc = _spawn(command, session, out_fd, err_fd)
        finally:
            os.close(out_fd)
            os.close(err_fd)
        running: set[subprocess.Popen[bytes]] = session.state.setdefault(RUNNING_KEY, set())
        running.add(proc)
        timed_out = False
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
        finally:
            running.discard(proc)
            _unwatch(proc)
        interrupted = getattr(proc, "letta_interrupted", False)
        out, out_hidden = read_capped(out_path)
        err, err_hidden = read_capped(err_path)
        return ForegroundRun(out, err, proc.returncode, timed_out, interrupted, out_hidden + err_hidden)
    finally:
        for p in (out_path, err_path):
            with contextlib.suppress(OSError):
                os.unlink(p)


def interrupt_foreground(session: ToolSession) -> int:
    """Kill every foreground command of `session` (the user pressed Esc / Ctrl-C)."""
    running: set[subprocess.Popen[bytes]] = session.state.get(RUNNING_KEY, set())
    procs = list(running)
    for proc in procs:
        proc.letta_interrupted = True  # type: ignore[attr-defined]
        kill_group(proc, grace=0.1)
    return len(procs)


@dataclass(eq=False)
class BackgroundShell:
    """A command running in the background, with the part of its output already read."""

    id: str
    command: str
    proc: subprocess.Popen[bytes]
    out_path: str
    err_path: str
    killed: bool = False
    offsets: list[int] = field(default_factory=lambda: [0, 0])
    decoders: list[codecs.IncrementalDecoder] = field(
        default_factory=lambda: [codecs.getincrementaldecoder("utf-8")("replace") for _ in "12"]
    )
    lock: threading.Lock = field(default_factory=threading.Lock)
    end_seen: bool = False  # a status the model read (BashOutput, KillBash) said it had ended
    end_reported: bool = False  # the agent was told of its end (claim_end)

    def status(self) -> str:
        code = self.proc.poll()
        if self.killed:
            return "killed"
        if code is None:
            return "running"
        self.end_seen = True
        _unwatch(self.proc)
        if code < 0:
            return f"exited (killed by signal {signal_name(-code)})"
        return f"exited with code {code}"

    def read_new(self) -> tuple[str, str]:
        """Output written since the previous call: (stdout, stderr)."""
        with self.lock:
            finished = self.proc.poll() is not None
            texts = []
            for i, path in enumerate((self.out_path, self.err_path)):
                try:
                    with open(path, "rb") as f:
                        f.seek(self.offsets[i])
                        data = f.read(_READ_CHUNK)
                except FileNotFoundError:
                    data = b""
                self.offsets[i] += len(data)
                texts.append(self.decoders[i].decode(data, final=finished))
            if finished:  # poll() reaped it: its pgid may be reused, so the watcher must go
                _unwatch(self.proc)
            return texts[0], texts[1]

    def kill(self) -> None:
        with self.lock:
            if self.proc.poll() is None:
                self.killed = True
            kill_group(self.proc)

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def end_unreported(self) -> bool:
        """Ended on its own, and neither the model saw its end nor was it reported."""
        return not (self.killed or self.end_seen or self.end_reported) and self.proc.poll() is not None

    def claim_end(self) -> bool:
        """True (once) when the agent should now be told that this shell ended."""
        with self.lock:
            if not self.end_unreported():
                return False
            self.end_reported = True
            return True

    def remove_files(self) -> None:
        for p in (self.out_path, self.err_path):
            with contextlib.suppress(OSError):
                os.unlink(p)


def session_shells(session: ToolSession) -> dict[str, BackgroundShell]:
    shells: dict[str, BackgroundShell] = session.state.setdefault(SHELLS_KEY, {})
    return shells


ExitListener = Callable[[BackgroundShell], None]


def signal_name(number: int) -> str:
    """`SIGTERM` for 15; the number itself for one Python does not know."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def on_background_exit(session: ToolSession, listener: ExitListener | None) -> None:
    """Call `listener(shell)` when a background shell of `session` ends on its own (not
    killed). It runs in the shell's waiting thread: hand over to an event loop with
    `call_soon_threadsafe`. None stops listening."""
    session.state[EXIT_LISTENER_KEY] = listener


def _wait_for_end(shell: BackgroundShell, session: ToolSession) -> None:
    """The body of a shell's waiting thread: block until it exits, reap it, tell the listener."""
    with contextlib.suppress(ChildProcessError, OSError):  # ChildProcessError: already reaped
        os.waitid(os.P_PID, shell.proc.pid, os.WEXITED | os.WNOWAIT)
    # Reaped only under the shell's lock: a kill in progress (it holds the lock) must see the
    # leader unreaped, so that it still owns the group id and SIGKILLs what ignored SIGTERM.
    with shell.lock:
        while shell.proc.poll() is None:  # a zombie now; poll() fails only while another thread reaps it
            time.sleep(0.01)
    _unwatch(shell.proc)  # reaped: its pgid may be reused, so the watcher must go
    listener: ExitListener | None = session.state.get(EXIT_LISTENER_KEY)
    if listener is not None and not shell.killed:
        with contextlib.suppress(Exception):
            listener(shell)


def start_background(command: str, session: ToolSession) -> BackgroundShell:
    """Start `command` in the background and register it with the session."""
    out_fd, out_path = tempfile.mkstemp(prefix="letta-bg-", suffix=".out")
    err_fd, err_path = tempfile.mkstemp(prefix="letta-bg-", suffix=".err")
    try:
        proc = _spawn(command, session, out_fd, err_fd)
    except BaseException:
        for p in (out_path, err_path):
            os.unlink(p)
        raise
    finally:
        os.close(out_fd)
        os.close(err_fd)
    shells = session_shells(session)
    with _counter_lock:
        shell_id = f"bash_{len(shells) + 1}"
        shell = BackgroundShell(shell_id, command, proc, out_path, err_path)
        shells[shell_id] = shell
    with _live_lock:
        _live.add(shell)
    threading.Thread(target=_wait_for_end, args=(shell, session), name=f"letta-{shell_id}", daemon=True).start()
    return shell


def shutdown_shells(session: ToolSession) -> int:
    """Kill all background shells of `session` and delete their output files."""
    shells = session_shells(session)
    count = 0
    for shell in list(shells.values()):
        if shell.proc.poll() is None:
            count += 1
        shell.kill()
        shell.remove_files()
        with _live_lock:
            _live.discard(shell)
    shells.clear()
    return count


@atexit.register
def _kill_all_at_exit() -> None:
    with _live_lock:
        shells = list(_live)
        _live.clear()
    for shell in shells:
        with contextlib.suppress(Exception):
            shell.kill()
        shell.remove_files()
    with _watchers_lock:
        released = list(_released)
    for watcher in released:
        with contextlib.suppress(subprocess.TimeoutExpired):
            watcher.wait(timeout=1)
