"""MultiEdit: ordered edits, all or none."""

from __future__ import annotations

from letta_code.tools.base import ToolSession
from tests.tools.conftest import call


def test_applies_in_order(session: ToolSession) -> None:
    p = session.cwd / "m.py"
    p.write_text("a = 1\nb = 2\n")
    call("Read", {"file_path": "m.py"}, session)
    r = call(
        "MultiEdit",
        {
            "file_path": "m.py",
            "edits": [
                {"old_string": "a = 1", "new_string": "a = 10"},
                {"old_string": "a = 10\nb", "new_string": "a = 10\nc"},  # sees the first edit
            ],
        },
        session,
    )
    assert r.status == "success"
    assert r.output == f"Edited {p} (2 edits). Around the last change:\n     1\ta = 10\n     2\tc = 2"
    assert p.read_text() == "a = 10\nc = 2\n"


def test_all_or_none(session: ToolSession) -> None:
    p = session.cwd / "m.py"
    p.write_text("a = 1\nb = 2\n")
    call("Read", {"file_path": "m.py"}, session)
    r = call(
        "MultiEdit",
        {
            "file_path": "m.py",
            "edits": [
                {"old_string": "a = 1", "new_string": "a = 10"},
                {"old_string": "zzz", "new_string": "y"},
            ],
        },
        session,
    )
    assert (r.status, r.output) == (
        "error",
        "Error: Edit 2 of 2 failed, no changes were made: old_string was not found in the file. "
        "Read the file again and copy the exact text (without line-number prefixes).",
    )
    assert p.read_text() == "a = 1\nb = 2\n"


def test_validates_edit_items(session: ToolSession) -> None:
    r = call("MultiEdit", {"file_path": "m.py", "edits": [{"old_string": "a"}]}, session)
    assert r.output == "Error: missing required argument: 'edits[0].new_string'"
    r = call("MultiEdit", {"file_path": "m.py", "edits": []}, session)
    assert r.output == "Error: 'edits' must contain at least one edit"
    r = call("MultiEdit", {"file_path": "m.py", "edits": "a->b"}, session)
    assert r.output == "Error: 'edits' must be an array, got str"
