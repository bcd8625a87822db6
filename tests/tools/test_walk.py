"""The pure-Python walk lists exactly what `rg --files --hidden` lists."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from letta_code.tools.ripgrep import find_rg
from letta_code.tools.walk import parse_ignore, walk_files

TREE = {
    ".gitignore": "*.log\n!keep.log\n/top_only.txt\nbuild/\ndocs/**/*.tmp\n\\#hash.txt\n",
    "a.txt": "",
    "keep.log": "",
    "x.log": "",
    "top_only.txt": "",
    "sub/top_only.txt": "",
    "sub/.gitignore": "*.txt\n!important.txt\n",
    "sub/note.txt": "",
    "sub/important.txt": "",
    "sub/deep/more.txt": "",
    "sub/deep/code.py": "",
    "build/out.o": "",
    "sub/build/x": "",
    "docs/a/b.tmp": "",
    "docs/a/b.md": "",
    "docs/c.tmp": "",
    "#hash.txt": "",
    ".hidden/h.txt": "",
    "lib/.ignore": "vendored/\n",
    "lib/vendored/v.js": "",
    "lib/main.js": "",
    "lib/.rgignore": "!vendored/\n",
}


def rg_files(root: Path, *extra: str) -> list[str]:
    rg = find_rg()
    assert rg is not None
    out = subprocess.run(
        [rg, "--files", "--hidden", "--no-config", "--glob", "!.git", *extra, "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return sorted(p[2:] if p.startswith("./") else p for p in out.splitlines())


def py_files(root: Path) -> list[str]:
    return sorted(os.path.relpath(p, root) for p in walk_files(str(root)))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for rel, text in TREE.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("")
    os.symlink("a.txt", root / "link.txt")
    return root


def test_walk_matches_rg_in_a_repo(tree: Path) -> None:
    expected = rg_files(tree)
    assert "keep.log" in expected and "x.log" not in expected  # the fixture means something
    assert "lib/vendored/v.js" in expected and "sub/important.txt" in expected
    assert py_files(tree) == expected


def test_walk_matches_rg_from_a_subdirectory(tree: Path) -> None:
    assert py_files(tree / "sub") == rg_files(tree / "sub")


def test_gitignore_ignored_outside_a_repo(tree: Path) -> None:
    (tree / ".git" / "config").unlink()
    (tree / ".git").rmdir()
    expected = rg_files(tree)
    assert "x.log" in expected
    assert py_files(tree) == expected


def test_git_info_exclude(tree: Path) -> None:
    (tree / ".git" / "info").mkdir()
    (tree / ".git" / "info" / "exclude").write_text("a.txt\n")
    expected = rg_files(tree)
    assert "a.txt" not in expected
    assert py_files(tree) == expected


def test_parse_ignore_details() -> None:
    rules = parse_ignore("# comment\n\n!keep\nbuild/\n/abs\n  \ntrail   \n")
    assert [(r.regex.pattern, r.negate, r.dir_only, r.anchored) for r in rules] == [
        ("keep", True, False, False),
        ("build", False, True, False),
        ("abs", False, False, True),
        ("trail", False, False, False),
    ]
