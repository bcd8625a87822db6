"""Fixtures: a fake home folder and a small project with a symlink that escapes it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pytest

from letta_code.permissions import PermissionChecker


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("secret")
    (home / ".bashrc").write_text("# rc")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LETTA_HOME", str(home / ".letta"))
    return home


@pytest.fixture
def project(tmp_path: Path, home: Path) -> Path:
    root = tmp_path / "proj"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "src" / "a.py").write_text("print('a')\n")
    (root / "src" / "pkg" / "b.py").write_text("")
    (root / "docs" / "guide.md").write_text("# guide\n")
    (root / ".env").write_text("TOKEN=x\n")
    (root / "README.md").write_text("readme\n")
    (root / "link-to-home").symlink_to(home)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "notes.txt").write_text("n")
    return root


class MakeChecker(Protocol):
    """The `make_checker` fixture: a checker for the project with these rules."""

    def __call__(
        self,
        mode: str = "default",
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        ask: Iterable[str] = (),
    ) -> PermissionChecker: ...


@pytest.fixture
def make_checker(project: Path) -> MakeChecker:
    def make(
        mode: str = "default",
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        ask: Iterable[str] = (),
    ) -> PermissionChecker:
        return PermissionChecker(mode, allow=allow, deny=deny, ask=ask, cwd=project)

    return make
