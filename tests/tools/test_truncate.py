"""Truncation helpers: what is kept, and the notes that say what was cut."""

from __future__ import annotations

from pathlib import Path

from letta_code.tools.truncate import read_capped, truncate_middle, truncate_tail


def test_short_text_untouched() -> None:
    assert truncate_middle("abc", 10) == "abc"
    assert truncate_tail("abc", 10) == "abc"


def test_tail_cut_keeps_whole_lines() -> None:
    text = "".join(f"line{i}\n" for i in range(100))  # 6-7 chars a line
    out = truncate_tail(text, 60)
    assert out == (
        "line0\nline1\nline2\nline3\nline4\nline5\nline6\nline7\nline8\nline9\n"
        "[... output truncated: 631 more characters (90 lines) not shown ...]"
    )


def test_middle_cut_counts_hidden_bytes() -> None:
    text = "a" * 50 + "b" * 50
    assert truncate_middle(text, 30, hidden=1000) == (
        "a" * 10 + "\n\n[... about 1,070 characters truncated from the middle of the output ...]\n\n" + "b" * 20
    )


def test_read_capped(tmp_path: Path) -> None:
    p = tmp_path / "out"
    p.write_bytes(b"h" * 100 + b"m" * 1000 + b"t" * 200)
    text, skipped = read_capped(p, max_bytes=300)
    assert (text, skipped) == ("h" * 100 + "t" * 200, 1000)
    p.write_bytes(b"small")
    assert read_capped(p, max_bytes=300) == ("small", 0)
