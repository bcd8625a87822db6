"""Edit: exact replacement, uniqueness, hints, line endings, encodings, vanished files."""

from __future__ import annotations

import os
from pathlib import Path

from letta_code.tools.base import ToolResult, ToolSession
from tests.tools.conftest import call


def _read(session: ToolSession, name: str, content: str | bytes) -> Path:
    p = session.cwd / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content)
    assert call("Read", {"file_path": name}, session).status in ("success",)
    return p


def edit(session: ToolSession, name: str, old: str, new: str, **kw: object) -> ToolResult:
    return call("Edit", {"file_path": name, "old_string": old, "new_string": new, **kw}, session)


def test_replaces_and_shows_snippet(session: ToolSession) -> None:
    p = _read(session, "m.py", "".join(f"line{i}\n" for i in range(1, 11)))
    r = edit(session, "m.py", "line5\n", "five\nFIVE\n")
    assert r.status == "success"
    assert r.output == (
        f"Edited {p} (1 replacement). Around the change:\n"
        "     2\tline2\n     3\tline3\n     4\tline4\n     5\tfive\n     6\tFIVE\n"
        "     7\tline6\n     8\tline7\n     9\tline8\n    10\tline9"
    )
    assert p.read_text().count("five\nFIVE\n") == 1


def test_requires_prior_read(session: ToolSession) -> None:
    p = session.cwd / "u.txt"
    p.write_text("a\n")
    r = edit(session, "u.txt", "a", "b")
    assert (r.status, r.output) == (
        "error",
        f"Error: {p} has not been read in this session. Read it first before editing it.",
    )


def test_missing_old_string(session: ToolSession) -> None:
    _read(session, "t.txt", "hello world\n")
    r = edit(session, "t.txt", "goodbye", "x")
    assert r.output == (
        "Error: old_string was not found in the file. Read the file again and copy the "
        "exact text (without line-number prefixes)."
    )


def test_not_unique_gives_count_then_replace_all(session: ToolSession) -> None:
    p = _read(session, "dup.txt", "x = 1\nx = 1\nx = 1\n")
    r = edit(session, "dup.txt", "x = 1", "x = 2")
    assert (r.status, r.output) == (
        "error",
        "Error: old_string occurs 3 times in the file. Include more surrounding lines to make "
        "it unique, or set replace_all to true to change every occurrence.",
    )
    r = edit(session, "dup.txt", "x = 1", "x = 2", replace_all=True)
    assert r.output.startswith(f"Edited {p} (3 replacements).")
    assert p.read_text() == "x = 2\nx = 2\nx = 2\n"


def test_whitespace_only_difference_hint(session: ToolSession) -> None:
    _read(session, "ws.py", "def f():\n\treturn  1\n")
    r = edit(session, "ws.py", "def f():\n    return 1", "x")
    assert r.output == (
        "Error: old_string was not found in the file. The file has a near match that differs "
        "only in whitespace:\ndef f():\n\treturn  1\nCopy the text exactly as it is in the file."
    )


def test_quote_style_difference_hint(session: ToolSession) -> None:
    _read(session, "q.md", "He said \u201chello\u201d and it\u2019s fine.\n")
    r = edit(session, "q.md", 'said "hello" and it\'s', "x")
    assert r.output == (
        "Error: old_string was not found in the file. The file has a near match that differs "
        "only in quote style:\nsaid \u201chello\u201d and it\u2019s\n"
        "Copy the text exactly as it is in the file."
    )


def test_line_number_prefix_hint(session: ToolSession) -> None:
    _read(session, "n.txt", "alpha\nbeta\n")
    r = edit(session, "n.txt", "     2\tbeta", "gamma")
    assert r.output == (
        "Error: old_string was not found in the file. It seems to include line-number "
        "prefixes from Read output; leave out the number and the tab that follows it."
    )


def test_identical_strings(session: ToolSession) -> None:
    _read(session, "i.txt", "a\n")
    assert edit(session, "i.txt", "a", "a").output == (
        "Error: old_string and new_string are identical; there is nothing to change."
    )


def test_preserves_crlf(session: ToolSession) -> None:
    p = _read(session, "w.txt", b"one\r\ntwo\r\nthree\r\n")
    r = edit(session, "w.txt", "one\ntwo", "uno\ndos\ndos")
    assert r.status == "success"
    assert p.read_bytes() == b"uno\r\ndos\r\ndos\r\nthree\r\n"


def test_mixed_line_endings_left_alone(session: ToolSession) -> None:
    p = _read(session, "mix.txt", b"a\r\nb\r\nc\nd\n")
    assert edit(session, "mix.txt", "a\nb", "A\nB").status == "success"
    assert p.read_bytes() == b"A\r\nB\r\nc\nd\n"


def test_preserves_non_utf8_encoding(session: ToolSession) -> None:
    p = _read(session, "l1.txt", "caf\xe9 cr\xe8me\n".encode("cp1252"))
    assert edit(session, "l1.txt", "crème", "brûlée").status == "success"
    assert p.read_bytes() == "café brûlée\n".encode("cp1252")


def test_unencodable_new_text_is_refused(session: ToolSession) -> None:
    p = _read(session, "l1.txt", b"caf\xe9\n")
    r = edit(session, "l1.txt", "café", "caf\u00e9 \u2603")
    assert r.status == "error"
    assert r.output == (
        f"Error: {p} is encoded as cp1252 and the new text contains '\u2603', which cp1252 "
        "cannot represent. Use characters that exist in cp1252."
    )
    assert p.read_bytes() == b"caf\xe9\n"


def test_file_deleted_between_read_and_edit(session: ToolSession) -> None:
    p = _read(session, "gone.txt", "x\n")
    p.unlink()
    r = edit(session, "gone.txt", "x", "y")
    assert (r.status, r.output) == (
        "error",
        f"Error: {p} no longer exists: it was deleted after you read it. "
        "Use Write to create it again if that is what you want.",
    )


def test_file_changed_since_read(session: ToolSession) -> None:
    p = _read(session, "c.txt", "x\n")
    p.write_text("x changed\n")
    os.utime(p, (5, 5))
    r = edit(session, "c.txt", "x", "y")
    assert r.output.startswith(f"Error: {p} has been modified on disk since you read it")
    assert p.read_text() == "x changed\n"


def test_missing_file_and_create_with_empty_old_string(session: ToolSession) -> None:
    r = edit(session, "nope.txt", "a", "b")
    assert r.output == (
        f"Error: File does not exist: {session.cwd / 'nope.txt'} (current working directory: {session.cwd})."
    )
    r = edit(session, "fresh.txt", "", "hello\n")
    assert r.output == f"Created {session.cwd / 'fresh.txt'}.\n     1\thello"
    assert (session.cwd / "fresh.txt").read_text() == "hello\n"


def test_consecutive_edits_need_no_new_read(session: ToolSession) -> None:
    p = _read(session, "s.txt", "a b c\n")
    assert edit(session, "s.txt", "a", "A").status == "success"
    assert edit(session, "s.txt", "b", "B").status == "success"
    assert p.read_text() == "A B c\n"


def test_bad_arguments(session: ToolSession) -> None:
    r = call("Edit", {"file_path": "x", "old_string": "a"}, session)
    assert r.output == "Error: missing required argument: 'new_string'"
    r = call(
        "Edit",
        {"file_path": "x", "old_string": "a", "new_string": "b", "replace_all": "yes"},
        session,
    )
    assert r.output == "Error: 'replace_all' must be a boolean (true or false), got 'yes'"
