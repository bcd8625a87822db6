"""Glob: pattern semantics, newest first, ignore files, the cap, and the rg-less path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from letta_code.tools.base import ToolSession
from letta_code.tools.builtin.glob_tool import GlobTool
from tests.tools.builtin.test_grep import make_tree
from tests.tools.conftest import call


@pytest.fixture
def tree(session: ToolSession) -> ToolSession:
    make_tree(session.cwd)
    return session


def glob(session: ToolSession, pattern: str, **kw: str) -> str:
    r = call("Glob", {"pattern": pattern, **kw}, session)
    assert r.status == "success", r.output
    return r.output


def test_star_stays_in_one_directory(tree: ToolSession) -> None:
    assert glob(tree, "*.md") == "README.md"
    assert glob(tree, "*.py") == "No files found"  # link.py is a symlink: not listed, like rg


def test_double_star_newest_first_respecting_ignores(tree: ToolSession) -> None:
    # build/out.py is gitignored and src/generated.py is in src/.ignore.
    assert glob(tree, "**/*.py") == "tests/test_app.py\nsrc/util.py\nsrc/app.py"
    assert glob(tree, "**/*.log") == "keep.log"


def test_prefix_braces_path_and_hidden(tree: ToolSession) -> None:
    assert glob(tree, "src/**/*.{ts,py}") == "src/web/index.ts\nsrc/util.py\nsrc/app.py"
    assert glob(tree, "*.py", path="src") == "src/util.py\nsrc/app.py"
    assert glob(tree, "**/*.yml") == ".github/ci.yml"
    assert glob(tree, "./src/web/*") == "src/web/index.ts"


def test_absolute_pattern_and_literal_path(tree: ToolSession) -> None:
    assert glob(tree, f"{tree.cwd}/src/*.py") == "src/util.py\nsrc/app.py"
    assert glob(tree, "src/app.py") == "src/app.py"
    assert glob(tree, "src/nope.py") == "No files found"


def test_outside_cwd_is_absolute(tree: ToolSession, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "f.txt").write_text("")
    assert glob(tree, "*.txt", path=str(other)) == str(other / "f.txt")


def test_cap_with_note(session: ToolSession) -> None:
    for i in range(120):
        p = session.cwd / f"f{i:03d}.txt"
        p.write_text("")
        os.utime(p, (1_600_000_000 + i, 1_600_000_000 + i))
    lines = glob(session, "*.txt").split("\n")
    assert lines[0] == "f119.txt" and lines[99] == "f020.txt"
    assert lines[100:] == [
        "(Showing the 100 most recently modified of 120 files. Use a more specific pattern or path.)"
    ]


@pytest.mark.parametrize(
    "pattern",
    ["**/*", "*", "**/*.py", "src/**", "**/web/*.ts", "**/.*", "tests/*", "**/*.{md,txt}"],
)
def test_without_rg_same_output(tree: ToolSession, pattern: str) -> None:
    with_rg = GlobTool(use_rg=True).run({"pattern": pattern}, tree).output
    assert with_rg != "No files found"
    assert GlobTool(use_rg=False).run({"pattern": pattern}, tree).output == with_rg


def test_errors(tree: ToolSession) -> None:
    r = call("Glob", {"pattern": "*", "path": "missing"}, tree)
    assert (r.status, r.output) == (
        "error",
        f"Error: Path does not exist: {tree.cwd / 'missing'} (current working directory: {tree.cwd}).",
    )
    r = call("Glob", {"pattern": "*", "path": "README.md"}, tree)
    assert r.output.startswith(f"Error: Path is not a directory: {tree.cwd / 'README.md'}")
    assert call("Glob", {"pattern": " "}, tree).output == "Error: 'pattern' must not be empty"
    assert call("Glob", {}, tree).output == "Error: missing required argument: 'pattern'"
