"""Argument checking and path helpers shared by all tools."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from letta_code.tools.base import ToolError, ToolSession
from letta_code.tools.core import display_path, resolve_path, validate_args

SCHEMA = {
    "type": "object",
    "properties": {
        "n": {"type": "integer"},
        "flag": {"type": "boolean"},
        "mode": {"type": "string", "enum": ["a", "b"]},
        "items": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["n"],
}


def test_coercions() -> None:
    assert validate_args(SCHEMA, {"n": 3.0, "flag": "TRUE", "extra": 1, "mode": None}) == {
        "n": 3,
        "flag": True,
        "extra": 1,
    }
    assert validate_args(SCHEMA, {"n": " -4 "}) == {"n": -4}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "missing required argument: 'n'"),
        ({"n": None}, "missing required argument: 'n'"),
        ({"n": True}, "'n' must be an integer, got True"),
        ({"n": 1.5}, "'n' must be an integer, got 1.5"),
        ({"n": 1, "flag": 1}, "'flag' must be a boolean (true or false), got 1"),
        ({"n": 1, "mode": "c"}, "'mode' must be one of 'a', 'b', got 'c'"),
        ({"n": 1, "items": ["x", 2]}, "'items[1]' must be a string, got int"),
        ("n=1", "arguments must be a JSON object, got str"),
    ],
)
def test_errors(args: object, message: str) -> None:
    with pytest.raises(ToolError) as err:
        validate_args(SCHEMA, args)
    assert str(err.value) == message


def test_paths(tmp_path: Path) -> None:
    s = ToolSession(cwd=tmp_path)
    assert resolve_path(s, "a/../b.txt") == tmp_path / "b.txt"
    assert resolve_path(s, "/etc/hosts") == Path("/etc/hosts")
    assert resolve_path(s, "~/x") == Path(os.path.expanduser("~/x"))
    with pytest.raises(ToolError):
        resolve_path(s, "  ")
    assert display_path(tmp_path / "d" / "f", s) == "d/f"
    assert display_path("/elsewhere/f", s) == "/elsewhere/f"


def test_a_dotdot_after_a_symlink_is_resolved_as_the_kernel_and_the_checker_do(tmp_path: Path) -> None:
    from letta_code.permissions.paths import resolve_path as judged

    project, outside = tmp_path / "proj", tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    project.mkdir()
    (outside / "secret.txt").write_text("outside")
    (project / "secret.txt").write_text("inside")
    (project / "lnk").symlink_to(outside / "sub")
    opened = resolve_path(ToolSession(cwd=project), "lnk/../secret.txt")
    assert opened.read_text() == "outside"  # what `cat lnk/../secret.txt` shows
    assert str(opened) == judged("lnk/../secret.txt", project).real
