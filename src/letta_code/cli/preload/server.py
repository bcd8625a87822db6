"""The preload server: import what a headless run loads, then fork one child per request.

Started by `client.start_server_after` as `python -m letta_code.cli.preload.server SOCKET
SYS_PATH` (the client's, marshalled, in hex), with the names of the modules to import on stdin. It serves until it has
been idle for `LETTA_PRELOAD_IDLE` seconds (900), until its socket file is removed or
replaced, or until the code it imported changed on disk.

A request is served only when everything a forked child would inherit from the server
rather than from the client is the same as the client's: the user (checked on the socket
with SO_PEERCRED, besides the folder being private), namespaces, cgroup, privileges and
resource limits (`place.identity`), and the imported code (every module file's size,
mtime and inode unchanged). Anything else is refused and the client runs in-process.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import marshal
import os
import selectors
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field

from letta_code.cli.preload import place
from letta_code.cli.preload.protocol import FDS, HEADER, Request, frame

_REQUEST_TIMEOUT = 5.0
_CHECK_EVERY = 30.0
_MAX_REQUEST = 16 * 1024 * 1024


@dataclass
class _Running:
    conn: socket.socket
    pid: int
    pidfd: int


@dataclass
class _Server:
    path: str
    listener: socket.socket
    lock_fd: int
    selector: selectors.BaseSelector
    socket_id: tuple[int, int]
    files: dict[str, tuple[int, int, int]]
    identity: dict[str, str]
    idle_seconds: float
    running: dict[int, _Running] = field(default_factory=dict)
    closing: bool = False

    def own_fds(self) -> list[int]:
        """What a child must close: the server's, not the run's."""
        fds = [self.listener.fileno(), self.lock_fd]
        for run in self.running.values():
            fds += [run.conn.fileno(), run.pidfd]
        return [fd for fd in fds if fd >= 0]


def _import_all(names: list[str]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 — a module that fails here is imported by the run, or not
            continue


def _finish_setup() -> None:
    """What libraries set up on first use rather than at import, done once here so that no
    run pays for it: SQLAlchemy configures the ORM's mappers (~8 ms)."""
    orm = sys.modules.get("sqlalchemy.orm")
    if orm is not None:
        with contextlib.suppress(Exception):  # the run configures them itself, and reports
            orm.configure_mappers()


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ino, st.st_size)


def _module_files() -> dict[str, tuple[int, int, int]]:
    files: dict[str, tuple[int, int, int]] = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path not in files:
            stat = _stat(path)
            if stat is not None:
                files[path] = stat
    return files


def stale_module(files: dict[str, tuple[int, int, int]]) -> str | None:
    """The first imported file that changed on disk since the server imported it."""
    for path, seen in files.items():
        if _stat(path) != seen:
            return path
    return None


def _listen(path: str) -> tuple[socket.socket, int] | None:
    """Bind the socket under a lock, so two servers started at once do not both serve."""
    lock_fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock_fd)
        return None
    os.ftruncate(lock_fd, 0)
    os.write(lock_fd, f"{os.getpid()}\n".encode())  # which process serves, for `kill`
    with contextlib.suppress(FileNotFoundError):  # left by a server that died: none holds the lock
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(16)
    return listener, lock_fd


def _same_socket(server: _Server) -> bool:
    """The socket file is still the one this server bound (not removed, not replaced)."""
    try:
        st = os.stat(server.path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == server.socket_id


def _reply(conn: socket.socket, message: dict[str, object]) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(frame(message))


def _receive(conn: socket.socket, server: _Server) -> Request | str:
    """Read one request, or say why it is refused."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    if uid != os.getuid():
        return "user"
    conn.settimeout(_REQUEST_TIMEOUT)
    header, fds, flags, _ = socket.recv_fds(conn, 4, FDS + 4)
    request_fds = list(fds)
    try:
        if len(header) != 4 or len(fds) != FDS or flags & socket.MSG_CTRUNC:
            return "malformed"
        (size,) = struct.unpack(HEADER, header)
        if size > _MAX_REQUEST:
            return "malformed"
        body = bytearray()
        while len(body) < size:
            chunk = conn.recv(size - len(body))
            if not chunk:
                return "malformed"
            body += chunk
        data = marshal.loads(bytes(body))
        if data.get("identity") != server.identity:
            return "identity"
        if stale_module(server.files) is not None:
            return "stale"
        request = Request(
            argv=[str(a) for a in data["argv"]],
            env={str(k): str(v) for k, v in data["env"].items()},
            umask=int(data["umask"]),
            fds=request_fds,
            conn=conn,
        )
        request_fds = []  # the request owns them now
        return request
    except (EOFError, ValueError, KeyError, TypeError, AttributeError):
        return "malformed"
    finally:
        for fd in request_fds:
            os.close(fd)


def _accept(server: _Server) -> Request | None:
    """Serve one connection; in the forked child, return its request."""
    try:
        conn, _ = server.listener.accept()
    except OSError:
        return None
    try:
        outcome = _receive(conn, server)
    except OSError:
        outcome = "malformed"
    if not isinstance(outcome, str) and threading.active_count() != 1:  # a fork would copy a held lock
        for fd in outcome.fds:
            os.close(fd)
        outcome = "busy"
    if isinstance(outcome, str):
        _reply(conn, {"refused": outcome})
        conn.close()
        if outcome == "stale":
            _stop_listening(server)
        return None
    # Before the fork: the child's copy of the socket object would keep the request's timeout,
    # and its watchdog would take the timeout for the client going away.
    conn.settimeout(None)
    pid = os.fork()
    if pid == 0:
        server.selector.close()
        for fd in server.own_fds():
            _close(fd)
        return outcome
    with contextlib.suppress(OSError):  # as the child does: whichever runs first, the group exists
        os.setpgid(pid, pid)
    for fd in outcome.fds:
        os.close(fd)
    _reply(conn, {"pid": pid})
    pidfd = os.pidfd_open(pid)
    server.running[pidfd] = _Running(conn=conn, pid=pid, pidfd=pidfd)
    server.selector.register(pidfd, selectors.EVENT_READ)
    return None


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _reap(server: _Server, pidfd: int) -> None:
    run = server.running.pop(pidfd)
    server.selector.unregister(pidfd)
    os.close(pidfd)
    _, status, usage = os.wait4(run.pid, 0)
    message: dict[str, object] = {
        "user": usage.ru_utime,
        "system": usage.ru_stime,
        "maxrss_kb": usage.ru_maxrss,
    }
    if os.WIFSIGNALED(status):
        message["signal"] = os.WTERMSIG(status)
    else:
        message["exit"] = os.waitstatus_to_exitcode(status)
    _reply(run.conn, message)
    run.conn.close()


def _stop_listening(server: _Server) -> None:
    if server.closing:
        return
    server.closing = True
    server.selector.unregister(server.listener)
    if _same_socket(server):
        with contextlib.suppress(OSError):
            os.unlink(server.path)
    server.listener.close()
    os.close(server.lock_fd)  # a new server may bind while this one's runs finish
    server.lock_fd = -1


def _serve(server: _Server) -> Request | None:
    """The loop; returns only in a forked child (its request) or when the server is done."""
    last_activity = time.monotonic()
    while not (server.closing and not server.running):
        idle_left = server.idle_seconds - (time.monotonic() - last_activity)
        if not server.running and idle_left <= 0:
            break
        events = server.selector.select(timeout=max(0.0, min(idle_left, _CHECK_EVERY)))
        for key, _ in events:
            last_activity = time.monotonic()
            if key.fileobj is server.listener:
                request = _accept(server)
                if request is not None:
                    return request
            else:
                _reap(server, int(key.fd))
        if not server.closing and not _same_socket(server):
            _stop_listening(server)
    if not server.closing:
        _stop_listening(server)
    return None


def _start(argv: list[str]) -> _Server | None:
    path = argv[1]
    os.chdir("/")  # hold no folder of the user's open
    sys.path[:] = [str(p) for p in marshal.loads(bytes.fromhex(argv[2]))]
    if os.path.basename(path) != place.socket_name():  # not the interpreter it is named for
        return None
    names = b""
    while chunk := os.read(0, 65536):
        names += chunk
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.close(null)
    _import_all(names.decode().split())
    _finish_setup()
    bound = _listen(path)
    if bound is None:
        return None
    listener, lock_fd = bound
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    try:
        idle = float(os.environ.get(place.ENV_IDLE, place.DEFAULT_IDLE_SECONDS))
    except ValueError:
        idle = place.DEFAULT_IDLE_SECONDS
    st = os.stat(path)
    return _Server(
        path=path,
        socket_id=(st.st_dev, st.st_ino),
        listener=listener,
        lock_fd=lock_fd,
        selector=selector,
        files=_module_files(),
        identity=place.identity(),
        idle_seconds=idle,
    )


def main(argv: list[str]) -> Request | None:
    server = _start(argv)
    return None if server is None else _serve(server)


if __name__ == "__main__":
    _request = main(sys.argv)
    if _request is not None:  # the forked child, with no server frame left to unwind
        from letta_code.cli.preload.child import become, finish

        finish(become(_request))
