"""Write: creating files, and the read-before-overwrite rules."""

from __future__ import annotations

import os

from letta_code.tools.base import ToolSession
from tests.tools.conftest import call


def test_creates_file_and_parent_dirs(session: ToolSession) -> None:
    r = call("Write", {"file_path": "a/b/new.py", "content": "x = 1\ny = 2\n"}, session)
    p = session.cwd / "a/b/new.py"
    assert (r.status, r.output) == ("success", f"Created {p} (2 lines, 12 bytes).")
    assert p.read_text() == "x = 1\ny = 2\n"
    assert session.read_files[str(p)] == p.stat().st_mtime


def test_refuses_to_overwrite_unread_file(session: ToolSession) -> None:
    p = session.cwd / "keep.txt"
    p.write_text("precious\n")
    r = call("Write", {"file_path": "keep.txt", "content": "gone\n"}, session)
    assert (r.status, r.output) == (
        "error",
        f"Error: {p} has not been read in this session. Read it first before overwriting it.",
    )
    assert p.read_text() == "precious\n"


def test_overwrites_after_read(session: ToolSession) -> None:
    p = session.cwd / "f.txt"
    p.write_text("old\n")
    call("Read", {"file_path": "f.txt"}, session)
    r = call("Write", {"file_path": "f.txt", "content": "new\n"}, session)
    assert r.output == f"Updated {p} (1 lines, 4 bytes)."
    assert p.read_text() == "new\n"
    # A second write needs no new Read: the tool knows what it wrote.
    assert call("Write", {"file_path": "f.txt", "content": "newer"}, session).status == "success"
    assert p.read_text() == "newer"


def test_refuses_when_changed_on_disk_since_read(session: ToolSession) -> None:
    p = session.cwd / "f.txt"
    p.write_text("v1\n")
    call("Read", {"file_path": "f.txt"}, session)
    p.write_text("v2 by the user\n")
    os.utime(p, (1, 1))  # a different mtime, whatever the clock granularity
    r = call("Write", {"file_path": "f.txt", "content": "agent\n"}, session)
    assert r.status == "error"
    assert r.output == (
        f"Error: {p} has been modified on disk since you read it (by the user or another "
        "program). Read it again before overwriting it."
    )
    assert p.read_text() == "v2 by the user\n"


def test_keeps_crlf_and_encoding_of_replaced_file(session: ToolSession) -> None:
    p = session.cwd / "win.txt"
    p.write_bytes("d\xe9j\xe0\r\nvu\r\n".encode("cp1252"))
    call("Read", {"file_path": "win.txt"}, session)
    call("Write", {"file_path": "win.txt", "content": "été\nhiver\n"}, session)
    assert p.read_bytes() == "été\r\nhiver\r\n".encode("cp1252")


def test_directory_and_bad_args(session: ToolSession) -> None:
    (session.cwd / "d").mkdir()
    r = call("Write", {"file_path": "d", "content": ""}, session)
    assert r.output == f"Error: {session.cwd / 'd'} is a directory; give the path of a file."
    r = call("Write", {"file_path": "x.txt"}, session)
    assert (r.status, r.output) == ("error", "Error: missing required argument: 'content'")
    r = call("Write", {"file_path": "x.txt", "content": ["a"]}, session)
    assert r.output == "Error: 'content' must be a string, got list"


def test_replacing_a_binary_file_writes_utf8(session: ToolSession) -> None:
    p = session.cwd / "logo.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff")
    call("Read", {"file_path": "logo.png"}, session)
    r = call("Write", {"file_path": "logo.png", "content": "<svg>\u2603</svg>\n"}, session)
    assert r.status == "success"
    assert p.read_bytes() == "<svg>\u2603</svg>\n".encode()
