"""LS: tree layout, ignores, symlinks, the cap."""

from __future__ import annotations

import os

from letta_code.tools.base import ToolSession
from tests.tools.conftest import call


def test_tree_layout_respects_ignores(session: ToolSession) -> None:
    root = session.cwd
    for rel in ["src/app.py", "src/lib/util.py", "README.md", "build/out.o", "node_modules/x/i.js"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("")
    (root / ".git").mkdir()
    (root / ".gitignore").write_text("build/\n")
    os.symlink("src", root / "alias")
    r = call("LS", {"path": str(root), "ignore": ["node_modules", "*.md"]}, session)
    assert r.status == "success"
    assert r.output == (
        f"- {root}/\n  - .gitignore\n  - alias -> src\n  - src/\n    - app.py\n    - lib/\n      - util.py"
    )


def test_default_path_and_empty_dir(session: ToolSession) -> None:
    assert call("LS", {}, session).output == f"- {session.cwd}/\n  (empty)"


def test_breadth_first_cap(session: ToolSession) -> None:
    deep = session.cwd / "a_deep"
    deep.mkdir()
    for i in range(1005):
        (deep / f"f{i:04d}").write_text("")
    (session.cwd / "top.txt").write_text("")
    out = call("LS", {"path": "."}, session).output.split("\n")
    # The top level is complete even though the cap was hit inside a_deep/.
    assert out[1] == "  - a_deep/"
    assert out[2:1000] == [f"    - f{i:04d}" for i in range(998)]
    assert out[1000] == "  - top.txt"
    assert out[-1] == ("(Listing stopped at 1000 entries; there are more. List a subdirectory or add ignore patterns.)")


def test_errors(session: ToolSession) -> None:
    (session.cwd / "f.txt").write_text("")
    r = call("LS", {"path": "f.txt"}, session)
    assert (r.status, r.output) == (
        "error",
        f"Error: {session.cwd / 'f.txt'} is a file, not a directory. Use Read to see it.",
    )
    r = call("LS", {"path": "nope"}, session)
    assert r.output == (
        f"Error: Directory does not exist: {session.cwd / 'nope'} (current working directory: {session.cwd})."
    )
    assert call("LS", {"ignore": "*.py"}, session).output == "Error: 'ignore' must be an array, got str"


def test_symlink_loop_is_listed_not_followed(session: ToolSession) -> None:
    os.symlink("b", session.cwd / "a")
    os.symlink("a", session.cwd / "b")
    os.symlink(".", session.cwd / "self")
    assert call("LS", {}, session).output == (f"- {session.cwd}/\n  - a -> b\n  - b -> a\n  - self -> .")
    assert call("Glob", {"pattern": "**/*"}, session).output == "No files found"
    assert call("Grep", {"pattern": "x"}, session).output == "No files found"
