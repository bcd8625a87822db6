"""Grep: exact output of each mode, and the Python fallback matching rg output."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from letta_code.tools import ripgrep
from letta_code.tools.base import ToolSession
from letta_code.tools.builtin.grep import GrepTool
from tests.tools.conftest import call


def make_tree(root: Path) -> None:
    """A small git-like project; mtimes increase in the order files are listed."""
    files: dict[str, bytes] = {
        ".gitignore": b"build/\n*.log\n!keep.log\n",
        "README.md": b"# Demo\nTODO: write docs\n",
        "src/app.py": b"import os\n\ndef main():\n    # TODO fix\n    return os.getcwd()\n",
        "src/util.py": b"def helper():\n    pass\n\n\ndef todo_later():\n    return 1\n",
        "src/web/index.ts": b"const todo = 1;\nexport default todo;\n",
        "tests/test_app.py": b"from src.app import main\n\ndef test_main():\n    assert main()\n",
        "build/out.py": b"# TODO generated\n",
        "debug.log": b"TODO in a log\n",
        "keep.log": b"TODO kept log\n",
        ".github/ci.yml": b"steps:\n  - run: echo TODO\n",
        "bin.dat": b"TODO\x00\x01\x02",
        "notes.txt": b"first\r\nTODO crlf\r\nlast\r\n",
        "odd name:1.txt": b"TODO colon\n",
        "src/.ignore": b"generated.py\n",
        "src/generated.py": b"# TODO machine\n",
    }
    for i, (rel, data) in enumerate(files.items()):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        os.utime(p, (1_600_000_000 + i, 1_600_000_000 + i))
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("TODO inside git dir\n")
    os.symlink("src/app.py", root / "link.py")


@pytest.fixture
def tree(session: ToolSession) -> ToolSession:
    make_tree(session.cwd)
    return session


def grep(session: ToolSession, **args: Any) -> str:
    r = call("Grep", args, session)
    assert r.status == "success", r.output
    return r.output


def test_files_with_matches_newest_first(tree: ToolSession) -> None:
    assert grep(tree, pattern="TODO") == (
        "Found 6 files\nodd name:1.txt\nnotes.txt\n.github/ci.yml\nkeep.log\nsrc/app.py\nREADME.md"
    )


def test_content_mode_with_numbers_and_context(tree: ToolSession) -> None:
    out = grep(tree, pattern="TODO", output_mode="content", path="src", **{"-C": 1})
    assert out == "src/app.py-3-def main():\nsrc/app.py:4:    # TODO fix\nsrc/app.py-5-    return os.getcwd()"
    out = grep(tree, pattern="todo", output_mode="content", **{"-i": True, "-n": False, "glob": "*.py"})
    # A --glob whitelists like rg's: src/generated.py is in src/.ignore but matches *.py.
    assert out == ("src/app.py:    # TODO fix\nsrc/generated.py:# TODO machine\nsrc/util.py:def todo_later():")


def test_context_separators_between_groups(tree: ToolSession) -> None:
    out = grep(tree, pattern="^def", output_mode="content", path="src", **{"-A": 1})
    assert out == (
        "src/app.py:3:def main():\nsrc/app.py-4-    # TODO fix\n--\n"
        "src/util.py:1:def helper():\nsrc/util.py-2-    pass\n--\n"
        "src/util.py:5:def todo_later():\nsrc/util.py-6-    return 1"
    )


def test_count_mode(tree: ToolSession) -> None:
    assert grep(tree, pattern="o", output_mode="count", path="src", type="py") == (
        "src/app.py:2\nsrc/util.py:1\n(3 matching lines in 2 files)"
    )


def test_single_file_crlf_and_head_limit(tree: ToolSession) -> None:
    out = grep(tree, pattern="crlf", path="notes.txt", output_mode="content")
    assert out == "notes.txt:2:TODO crlf"
    out = grep(tree, pattern=".", path="src/util.py", output_mode="content", head_limit=2)
    assert out == "src/util.py:1:def helper():\nsrc/util.py:2:    pass\n(Showing the first 2 of 4 lines.)"


def test_multiline(tree: ToolSession) -> None:
    out = grep(tree, pattern=r"helper\(\):\n\s+pass", output_mode="content", multiline=True)
    assert out == "src/util.py:1:def helper():\nsrc/util.py:2:    pass"


def test_path_outside_cwd_is_shown_absolute(tree: ToolSession, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("needle\n")
    assert grep(tree, pattern="needle", path=str(other)) == f"Found 1 file\n{other / 'x.txt'}"


def test_no_matches_and_errors(tree: ToolSession) -> None:
    assert grep(tree, pattern="zzz_nothing") == "No files found"
    assert grep(tree, pattern="zzz_nothing", output_mode="content") == "No matches found"
    r = call("Grep", {"pattern": "x", "path": "missing"}, tree)
    assert r.output == (f"Error: Path does not exist: {tree.cwd / 'missing'} (current working directory: {tree.cwd}).")
    r = call("Grep", {"pattern": "x", "output_mode": "lines"}, tree)
    assert r.output == ("Error: 'output_mode' must be one of 'files_with_matches', 'content', 'count', got 'lines'")
    r = call("Grep", {"pattern": "(unclosed"}, tree)
    assert r.status == "error" and "regex parse error" in r.output
    r = GrepTool(use_rg=False).run({"pattern": "(unclosed"}, tree)
    assert r.output.startswith("Error: invalid regex '(unclosed': missing ), unterminated subpattern")


EQUIVALENCE_CASES: list[dict[str, Any]] = [
    {"pattern": "TODO"},
    {"pattern": "todo", "-i": True},
    {"pattern": "todo", "-i": True, "glob": "*.py"},
    {"pattern": "TODO", "glob": "*.log"},
    {"pattern": "TODO", "glob": "!src/**", "output_mode": "count"},
    {"pattern": "TODO", "output_mode": "content"},
    {"pattern": "TODO", "output_mode": "count"},
    {"pattern": "def", "output_mode": "content", "-B": 1, "-A": 2},
    {"pattern": "def|import", "output_mode": "content", "-C": 1, "-n": False},
    {"pattern": "o", "glob": "*.{py,ts}"},
    {"pattern": "o", "glob": "src/*.py"},
    {"pattern": "o", "glob": "!*.py", "output_mode": "count"},
    {"pattern": "o", "type": "py", "output_mode": "content"},
    {"pattern": "o", "type": "ts"},
    {"pattern": "TODO", "path": "src"},
    {"pattern": "TODO", "path": "notes.txt", "output_mode": "content"},
    {"pattern": r"^\s+return", "output_mode": "content"},
    {"pattern": r"helper\(\):\n\s+pass", "multiline": True, "output_mode": "content"},
    {"pattern": "e", "output_mode": "content", "head_limit": 5},
    {"pattern": "e", "head_limit": 3},
]


@pytest.mark.parametrize("args", EQUIVALENCE_CASES, ids=lambda a: " ".join(f"{k}={v}" for k, v in a.items()))
def test_fallback_output_equals_rg_output(tree: ToolSession, args: dict[str, Any]) -> None:
    with_rg = GrepTool(use_rg=True).run(args, tree)
    without = GrepTool(use_rg=False).run(args, tree)
    assert with_rg.status == without.status == "success"
    assert without.output == with_rg.output
    assert with_rg.output not in ("No files found", "No matches found")


def test_nested_gitignore_and_negation_same_in_both(tree: ToolSession) -> None:
    (tree.cwd / "src" / "web" / ".gitignore").write_text("*.ts\n")
    (tree.cwd / "src" / "web" / "keep.ts").write_text("const todo = 2;\n")
    (tree.cwd / "src" / "web" / ".gitignore").write_text("*.ts\n!keep.ts\n")
    args = {"pattern": "todo", "-i": True, "output_mode": "count"}
    expected = GrepTool(use_rg=True).run(args, tree).output
    assert "src/web/keep.ts:1" in expected and "index.ts" not in expected
    assert GrepTool(use_rg=False).run(args, tree).output == expected


def test_falls_back_when_rg_cannot_run(tree: ToolSession, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = GrepTool(use_rg=False).run({"pattern": "TODO", "output_mode": "content"}, tree).output
    broken = tree.cwd.parent / "fake-rg"
    broken.write_bytes(b"\x00not an executable")
    broken.chmod(0o755)
    monkeypatch.setenv("LETTA_RG_PATH", str(broken))
    ripgrep.find_rg.cache_clear()
    try:
        assert ripgrep.find_rg() == str(broken)
        r = call("Grep", {"pattern": "TODO", "output_mode": "content"}, tree)
        assert r.output == expected
        monkeypatch.setenv("LETTA_RG_PATH", str(tree.cwd / "no-such-rg"))
        ripgrep.find_rg.cache_clear()
        assert ripgrep.find_rg() is None
        assert call("Grep", {"pattern": "TODO", "output_mode": "content"}, tree).output == expected
    finally:
        ripgrep.find_rg.cache_clear()


def test_long_lines_cut_in_content(session: ToolSession) -> None:
    (session.cwd / "min.js").write_text("x" * 3000 + "needle\n")
    out = grep(session, pattern="needle", output_mode="content")
    assert out == "min.js:1:" + "x" * 2000 + " [... line truncated]"
