"""The preload server's checks, in this process: what a request must carry to be served."""

from __future__ import annotations

import io
import marshal
import os
import selectors
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from letta_code.cli.preload import place, server
from letta_code.cli.preload.protocol import Request, frame, read_frame


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[server._Server]:
    path = str(tmp_path / "s.sock")
    bound = server._listen(path)
    assert bound is not None
    listener, lock_fd = bound
    st = os.stat(path)
    state = server._Server(
        path=path,
        listener=listener,
        lock_fd=lock_fd,
        selector=selectors.DefaultSelector(),
        socket_id=(st.st_dev, st.st_ino),
        files={},
        identity=place.identity(),
        idle_seconds=60,
    )
    yield state
    state.selector.close()
    listener.close()
    if state.lock_fd >= 0:
        os.close(state.lock_fd)


def send_request(sock: socket.socket, body: dict[str, object], fds: list[int]) -> None:
    payload = marshal.dumps(body)
    socket.send_fds(sock, [struct.pack(">I", len(payload))], fds)
    sock.sendall(payload)


def request_body(**changes: object) -> dict[str, object]:
    return {"argv": ["letta", "-p", "hi"], "env": {"A": "1"}, "umask": 0o022, "identity": place.identity(), **changes}


def receive(state: server._Server, body: dict[str, object], fds: list[int]) -> Request | str:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        send_request(ours, body, fds)
        return server._receive(theirs, state)


def test_a_well_formed_request_from_this_user_is_accepted(listening: server._Server) -> None:
    request = receive(listening, request_body(), [0, 1, 2, os.open(".", os.O_RDONLY)])
    assert isinstance(request, Request)
    try:
        assert request.argv == ["letta", "-p", "hi"] and request.env == {"A": "1"} and request.umask == 0o022
        assert len(request.fds) == 4
    finally:
        for fd in request.fds:
            os.close(fd)


def test_another_identity_is_refused(listening: server._Server) -> None:
    other = {**place.identity(), "RLIMIT_NOFILE": "(10, 10)"}
    assert receive(listening, request_body(identity=other), [0, 1, 2, 0]) == "identity"


@pytest.mark.parametrize("fds", [[], [0, 1], [0, 1, 2, 0, 1]])
def test_a_request_without_exactly_its_four_fds_is_refused(listening: server._Server, fds: list[int]) -> None:
    assert receive(listening, request_body(), fds) == "malformed"


def test_a_request_that_is_not_the_protocol_is_refused(listening: server._Server) -> None:
    del_argv = request_body()
    del del_argv["argv"]
    assert receive(listening, del_argv, [0, 1, 2, 0]) == "malformed"
    ours, theirs = socket.socketpair()
    with ours, theirs:
        socket.send_fds(ours, [struct.pack(">I", 5)], [0, 1, 2, 0])
        ours.sendall(b"\xff\xff\xff\xff\xff")  # not marshal data
        assert server._receive(theirs, listening) == "malformed"


def test_changed_code_is_stale(tmp_path: Path, listening: server._Server) -> None:
    module = tmp_path / "mod.py"
    module.write_text("x = 1\n")
    seen = server._stat(str(module))
    assert seen is not None
    listening.files = {str(module): seen}
    assert server.stale_module(listening.files) is None
    module.write_text("x = 22\n")
    assert server.stale_module(listening.files) == str(module)
    assert receive(listening, request_body(), [0, 1, 2, 0]) == "stale"


def test_one_server_per_socket(listening: server._Server) -> None:
    assert server._listen(listening.path) is None  # the lock is held
    assert server._same_socket(listening)
    os.unlink(listening.path)
    assert not server._same_socket(listening)  # removed: the server stops


def test_frames_round_trip_and_truncation_ends_the_stream() -> None:
    data = frame({"exit": 3, "user": 0.5})
    assert read_frame(io.BytesIO(data)) == {"exit": 3, "user": 0.5}
    assert read_frame(io.BytesIO(data[:-1])) is None
    assert read_frame(io.BytesIO(b"")) is None
    assert read_frame(io.BytesIO(frame({"x": 1})[:4] + b"\x00" * 9)) is None
