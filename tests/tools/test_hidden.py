"""Grep and Glob leave out files the session may not show (the user's Read deny rules)."""

from __future__ import annotations

from pathlib import Path

from letta_code.tools.base import ToolSession
from letta_code.tools.registry import get_tool


def session_hiding(tmp_path: Path, name: str) -> ToolSession:
    return ToolSession(cwd=tmp_path, hidden=lambda path: Path(path).name == name)


def test_grep_drops_hidden_files_in_every_mode(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("token=abc\n")
    (tmp_path / "open.txt").write_text("token=xyz\n")
    grep = get_tool("Grep")
    assert grep is not None
    session = session_hiding(tmp_path, "secret.txt")
    for mode in ("files_with_matches", "content", "count"):
        out = grep.run({"pattern": "token", "output_mode": mode}, session).output
        assert "secret.txt" not in out and "abc" not in out, (mode, out)
        assert "open.txt" in out and "(1 file left out: denied by permission rules)" in out
    unfiltered = grep.run({"pattern": "token", "output_mode": "content"}, ToolSession(cwd=tmp_path)).output
    assert "secret.txt" in unfiltered


def test_glob_drops_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("")
    (tmp_path / "b.py").write_text("")
    glob = get_tool("Glob")
    assert glob is not None
    out = glob.run({"pattern": "*.py"}, session_hiding(tmp_path, "b.py")).output
    assert out.splitlines() == ["a.py", "(1 left out: denied by permission rules)"]
    only_hidden = glob.run({"pattern": "b.py"}, session_hiding(tmp_path, "b.py")).output
    assert only_hidden.startswith("No files found")
