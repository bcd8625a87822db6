"""The preload server's wire format, shared by the client, the server and its children.

A request, client → server: a 4-byte big-endian length, sent with the client's fds 0, 1, 2
and its working directory (SCM_RIGHTS); then that many bytes of a `marshal`led dict —
argv, env, umask and `place.identity()`. Replies, server → client, are frames: a 4-byte
length and a marshalled dict.

`marshal` rather than JSON: it is built in, where `json` would cost the client a third of
its start (it imports `re`). Both ends are the same user's processes (the server checks)
running the same interpreter (the socket's name says so).
"""

from __future__ import annotations

import marshal
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket
    from typing import BinaryIO

HEADER = ">I"
FDS = 4  # stdin, stdout, stderr, working directory


class Request:
    """One client's run, as the forked child receives it. (A plain class: `dataclasses`
    would cost the client more than the rest of the protocol.)"""

    __slots__ = ("argv", "conn", "env", "fds", "umask")

    def __init__(self, argv: list[str], env: dict[str, str], umask: int, fds: list[int], conn: socket.socket) -> None:
        self.argv = argv
        self.env = env
        self.umask = umask
        self.fds = fds
        self.conn = conn


def request_header(payload: bytes) -> bytes:
    return struct.pack(HEADER, len(payload))


def frame(message: dict[str, object]) -> bytes:
    body = marshal.dumps(message)
    return struct.pack(HEADER, len(body)) + body


def read_frame(reader: BinaryIO) -> dict[str, object] | None:
    """The next message, or None at the end of the stream or on anything malformed."""
    header = reader.read(4)
    if len(header) != 4:
        return None
    (size,) = struct.unpack(HEADER, header)
    body = reader.read(size)
    if len(body) != size:
        return None
    try:
        value = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None
