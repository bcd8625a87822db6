"""What a forked child of the preload server does to become the client's run.

It takes the client's stdin/stdout/stderr and working directory (the fds it was sent), its
environment, umask and argv, resets the signals a fresh interpreter has, and runs `letta`'s
`main` as the client would have. It leads its own process group, so the client can pass
Ctrl-C to it and the commands it starts as a terminal would. When the client goes away (its
end of the connection closes) the run is killed: nothing outlives the command the user
started.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading

from letta_code.cli.preload.protocol import Request


def _watch(request: Request) -> None:
    """Kill the run when the client is gone: its end of the connection closed. (The server
    made the socket blocking before the fork, so no timeout reads as the client leaving.)"""
    try:
        while request.conn.recv(4096):
            pass
    except OSError:  # reset by a client that died
        pass
    os.killpg(os.getpgid(0), signal.SIGKILL)


def _take_streams(request: Request) -> None:
    stdin, stdout, stderr, cwd = request.fds
    for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.fchdir(cwd)
    os.close(cwd)
    # The server's stream objects stay (code may hold them), now over the client's fds;
    # only their buffering follows what the fds are, as a fresh interpreter's would.
    for stream, fd in ((sys.stdout, 1), (sys.__stdout__, 1)):
        if stream is not None and not getattr(stream, "write_through", False):
            stream.reconfigure(line_buffering=os.isatty(fd))  # type: ignore[union-attr]


def become(request: Request) -> int:
    os.setpgid(0, 0)
    _take_streams(request)
    os.umask(request.umask)
    os.environ.clear()
    os.environ.update(request.env)
    tempfile.tempdir = None  # derived from TMPDIR on first use: the client's, not the server's
    sys.argv = list(request.argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    threading.Thread(target=_watch, args=(request,), name="preload-client", daemon=True).start()
    from letta_code.cli.main import main

    return main(request.argv[1:], preload=False)


def finish(code: int) -> None:
    """Exit as `sys.exit` would as far as anyone can see — exit handlers run, streams are
    flushed — without tearing down the interpreter's thousands of objects one by one, which
    the server's preloaded modules would make the slowest part of a short run."""
    import atexit

    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                code = code or 120  # as Python does when it cannot flush stdout at exit
        os._exit(code)
