"""Which `letta` process is working in a conversation: one advisory lock file per conversation.

`letta -p` holds the lock of its conversation for as long as it runs, and the
interactive `letta` for each of its turns (a turn may sit in a local tool call with no
run active on the service, so the service alone cannot tell that the conversation is
taken). The lock is `flock` on `$LETTA_HOME/locks/<id>.lock`:
the kernel drops it when the process ends, however it ends, so a crashed `letta` never
leaves a conversation taken. The file holds the holder's pid, for the message.

`setup_lock` is held (briefly) while such a session finds or makes its agent and
conversation: two `letta -p` started at the same moment in a new directory then make
one agent, and the second finds the first's conversation taken, rather than two agents.

Where locking is not possible (a home we cannot write, a file system without locks), `claim` answers
True: the service's own busy check still refuses a second run in the conversation.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

SETUP_WAIT = 30.0  # seconds to wait for another session's set-up before going on without the lock

_held: dict[Path, int] = {}  # lock file -> open descriptor, for this process's life


def lock_path(home: Path, conversation_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in conversation_id)
    return home / "locks" / f"{safe}.lock"


def claim(home: Path, conversation_id: str) -> bool:
    """Take the conversation for this process; False when another live process has it."""
    path = lock_path(home, conversation_id)
    if path in _held:
        return True
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    except OSError:  # a file system without locks
        os.close(fd)
        return True
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    _held[path] = fd
    return True


@contextlib.contextmanager
def setup_lock(home: Path, wait: float = SETUP_WAIT) -> Iterator[None]:
    """Hold the home's set-up lock for the block (waiting up to `wait` seconds for it)."""
    try:
        (home / "locks").mkdir(parents=True, exist_ok=True)
        fd: int | None = os.open(home / "locks" / "setup.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # a home we cannot write: the session fails on its database soon enough
        fd = None
    deadline = time.monotonic() + wait
    while fd is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        except OSError:
            break
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # and with it the lock


def holder(home: Path, conversation_id: str) -> int | None:
    """The pid written by the process holding the lock, when it can be read."""
    try:
        text = lock_path(home, conversation_id).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def taken_by(home: Path, conversation_id: str) -> str:
    """Who holds the conversation, for a message: "another letta (pid N)"."""
    pid = holder(home, conversation_id)
    return f"another letta (pid {pid})" if pid else "another letta"


def release(home: Path, conversation_id: str) -> None:
    """Let go of one conversation (the end of an interactive turn)."""
    fd = _held.pop(lock_path(home, conversation_id), None)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


@contextlib.contextmanager
def held(home: Path, conversation_id: str) -> Iterator[str | None]:
    """Hold the conversation for the block (an interactive turn): yields None when it is
    ours, else who has it, for a message ("another letta (pid N)")."""
    if not claim(home, conversation_id):
        yield taken_by(home, conversation_id)
        return
    try:
        yield None
    finally:
        release(home, conversation_id)


def release_all() -> None:
    """Let go of every conversation this process holds (the end of a session)."""
    for path, fd in list(_held.items()):
        with contextlib.suppress(OSError):
            os.close(fd)
        del _held[path]
