"""The `letta` side of the preload server: hand a headless run over, or start a server.

Stdlib only: `handoff` runs before anything heavy is imported, and when no server answers
it costs one failed `connect` (a few microseconds). On the Unix socket the client sends
one request (`protocol`) with its stdin/stdout/stderr and working directory, and reads
`{"pid": N}` once the child runs (or `{"refused": reason}`, and then runs in-process), then
`{"exit": code}` or `{"signal": n}` with the child's CPU time and peak RSS.

While the child runs the client forwards the signals a user sends it (Ctrl-C reaches the
child's process group; Ctrl-Z stops both), and when the client dies its connection closes
and the child is killed: to the user the client *is* the run.
"""

from __future__ import annotations

import marshal
import os
import signal
import socket
import sys
from typing import TYPE_CHECKING

from letta_code.cli.preload import place, protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import BinaryIO

_GROUP_SIGNALS = (signal.SIGINT, signal.SIGQUIT)
_FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH)
# How long a server may take to fork the child once it has the request.
_START_TIMEOUT = 10.0


class _Outcome:
    """What the last `handoff` found, so `start_server_after` knows whether to start one.
    (A plain class: `dataclasses` would cost the client more than the rest of it.)"""

    def __init__(self) -> None:
        self.server_missing = False


_last = _Outcome()


def handoff(argv: list[str]) -> int | None:
    """Run `argv` in the preload server and return its exit status; None to run in-process."""
    _last.server_missing = False
    if not place.eligible(argv):
        return None
    if not place.private_folder(create=False):
        _last.server_missing = True
        return None
    path = place.socket_path()
    if path is None:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:  # none there, or a socket left by a server that died
        sock.close()
        _last.server_missing = True
        return None
    with sock:
        return _served(sock, argv)


def _served(sock: socket.socket, argv: list[str]) -> int | None:
    umask = os.umask(0o022)
    os.umask(umask)
    payload = marshal.dumps(
        {
            "argv": [sys.argv[0], *argv],
            "env": dict(os.environ),
            "umask": umask,
            "identity": place.identity(),
        }
    )
    try:
        cwd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # a working directory that was deleted: run in-process, which reports it
        return None
    try:
        sock.settimeout(_START_TIMEOUT)
        socket.send_fds(sock, [protocol.request_header(payload)], [0, 1, 2, cwd])
        sock.sendall(payload)
        reader = sock.makefile("rb")
        first = protocol.read_frame(reader)
    except OSError:
        first = None
    finally:
        os.close(cwd)
    if first is None or "pid" not in first:
        if first is not None and first.get("refused") == "stale":
            _last.server_missing = True  # it exits; start a fresh one after this run
        return None
    sock.settimeout(None)
    return _follow(reader, int(str(first["pid"])))


def _follow(reader: BinaryIO, pid: int) -> int:
    """Relay signals to the child until the server reports how it ended."""

    def to_group(signum: int, _frame: object) -> None:  # the signals a terminal sends a group
        _send(lambda: os.killpg(pid, signum))

    def to_child(signum: int, _frame: object) -> None:
        _send(lambda: os.kill(pid, signum))

    def stop(_signum: int, _frame: object) -> None:  # Ctrl-Z: stop the run, then ourselves
        _send(lambda: os.killpg(pid, signal.SIGSTOP))
        os.kill(os.getpid(), signal.SIGSTOP)

    def resume(_signum: int, _frame: object) -> None:
        _send(lambda: os.killpg(pid, signal.SIGCONT))

    relays: dict[signal.Signals, Callable[[int, object], None]] = {signum: to_group for signum in _GROUP_SIGNALS}
    relays.update({signum: to_child for signum in _FORWARDED})
    relays.update({signal.SIGTSTP: stop, signal.SIGCONT: resume})
    before = {signum: signal.signal(signum, relay) for signum, relay in relays.items()}
    try:
        status = protocol.read_frame(reader)  # reads resume after a handled signal (PEP 475)
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    if status is None:
        print("letta: the preload server stopped before the run finished", file=sys.stderr)
        return 1
    _record_usage(status)
    if "signal" in status:
        return 128 + int(str(status["signal"]))
    return int(str(status.get("exit", 1)))


def _send(deliver: Callable[[], None]) -> None:
    try:  # noqa: SIM105 — contextlib would cost the client an import
        deliver()
    except ProcessLookupError:
        pass


def _record_usage(status: dict[str, object]) -> None:
    """For `make bench`: the served child's CPU time and peak RSS, which the client's own
    resource usage does not include."""
    where = os.environ.get(place.ENV_RUSAGE)
    if not where:
        return
    usage = " ".join(f"{k}={status[k]}" for k in ("user", "system", "maxrss_kb") if k in status)
    try:
        with open(where, "a", encoding="utf-8") as f:
            f.write(usage + "\n")
    except OSError:
        pass


def start_server_after(argv: list[str]) -> None:
    """After an in-process headless run, start a server for the next one when none answered."""
    if not (_last.server_missing and place.eligible(argv)) or not place.private_folder(create=True):
        return
    path = place.socket_path()
    if path is None:
        return
    import subprocess

    # What this run imported is what the next one will: the server imports the same, in the
    # same order (sys.modules keeps it), as some modules work only when imported as their
    # package does (`_asyncio` before `asyncio` leaves asyncio with two task registries).
    modules = [
        name for name, module in list(sys.modules.items()) if name != "__main__" and getattr(module, "__file__", None)
    ]
    env = place.startup_env(os.environ)
    env["PATH"] = os.environ.get("PATH", os.defpath)
    if place.ENV_IDLE in os.environ:
        env[place.ENV_IDLE] = os.environ[place.ENV_IDLE]
    argv = [
        sys.executable,
        *subprocess._args_from_interpreter_flags(),  # type: ignore[attr-defined]
        "-m",
        "letta_code.cli.preload.server",
        path,
        marshal.dumps(sys.path).hex(),
    ]
    names, feed = os.pipe()
    try:
        # Spawned, not a Popen: nothing here waits for it, and it outlives this process.
        os.posix_spawn(
            sys.executable,
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, names, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, 1, 2),
                (os.POSIX_SPAWN_CLOSE, feed),
            ],
            setsid=True,
        )
        os.close(names)
        names = -1
        with open(feed, "wb", closefd=True) as out:
            feed = -1
            out.write("\n".join(modules).encode())
    except OSError:
        pass
    finally:
        for fd in (names, feed):
            if fd >= 0:
                os.close(fd)
