"""The checker state and path helpers the Bash analysis uses
(`letta_code.permissions.checker_base`): the Bash analysis needs nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest

from letta_code.permissions import PermissionChecker
from letta_code.permissions.bash_check import check_bash
from letta_code.permissions.checker_base import CheckerBase, protected_name


@pytest.mark.parametrize(
    ("name", "protected"),
    [(".git", True), (".GIT", True), (".git.", True), (".g\u200cit", True), ("GIT~1", True), (".letta", True)]
    + [("git", False), (".github", False), (".gitignore", False), ("letta", False)],
)
def test_protected_name_reads_names_as_filesystems_do(name: str, protected: bool) -> None:
    assert protected_name(name) is protected


@pytest.mark.parametrize(
    ("mode", "command", "behavior"),
    [
        ("default", "cat README.md", "allow"),
        ("default", "cat ../outside/notes.txt", "ask"),
        ("default", "rm README.md", "ask"),
        ("plan", "rm README.md", "deny"),
        ("acceptEdits", "echo x > notes.md", "allow"),
        ("acceptEdits", "echo x > .git/config", "ask"),
    ],
)
def test_the_bash_analysis_needs_only_the_base(project: Path, mode: str, command: str, behavior: str) -> None:
    base = CheckerBase(mode, cwd=project)
    decision = check_bash(base, {"command": command})
    assert decision.behavior == behavior
    assert decision == PermissionChecker(mode, cwd=project).check("Bash", {"command": command})


def test_rules_and_workspace_helpers(project: Path, tmp_path: Path) -> None:
    base = CheckerBase("default", allow=[f"Read(/{tmp_path}/outside/**)"], deny=["Read(.env)"], cwd=project)
    assert base.denied_by("Grep", project / ".env") == "Read(.env)"
    assert base.denied_by("Grep", project / "README.md") is None
    outside = base.resolve("../outside/notes.txt")
    assert not base.inside_workspace(outside)
    assert base.read_permitted(outside) == (True, base.allow_rules[0])
    assert base.edit_permitted(outside) == (False, None)
    assert base.display(base.resolve("src/a.py")) == "./src/a.py"
    assert base.is_protected(base.resolve(".letta/settings.json"))
