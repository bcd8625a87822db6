"""The subagent types: the built-in ones, custom files in `.letta/agents/` and the user's
home (the project's wins), and what a file may not do (loosen the permission mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from letta_code.harness.subagent_types import SubagentFileError, load_types, parse_type_file, type_file_template


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(text)
    return path


def test_the_builtin_types_and_what_they_may_use(tmp_path: Path) -> None:
    types = {t.name: t for t in load_types(tmp_path, tmp_path / "home", explore_model="openai/gpt-4o-mini")}
    assert list(types) == ["general-purpose", "explore", "fork"]
    assert types["explore"].model == "openai/gpt-4o-mini"
    assert types["explore"].allows("Read") and not types["explore"].allows("Bash")
    assert types["general-purpose"].allows("Bash") and not types["general-purpose"].allows("Task")
    assert not types["general-purpose"].allows("AskUserQuestion")
    assert types["fork"].fork


def test_a_project_file_wins_over_the_home_one_and_may_replace_a_builtin(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write(home / "agents", "reviewer", "---\ndescription: home reviewer\n---\nHOME\n")
    write(tmp_path / ".letta" / "agents", "reviewer", "---\ndescription: project reviewer\ntools: [Read]\n---\nPROJ\n")
    write(tmp_path / ".letta" / "agents", "explore", "---\nname: explore\ndescription: my explore\n---\nMINE\n")
    types = {t.name: t for t in load_types(tmp_path, home)}
    assert types["reviewer"].description == "project reviewer"
    assert types["reviewer"].tools == ("Read",) and types["reviewer"].instructions == "PROJ"
    assert types["explore"].instructions == "MINE"


def test_a_file_cannot_loosen_the_permission_mode(tmp_path: Path) -> None:
    warnings: list[str] = []
    path = write(tmp_path, "yolo", "---\ndescription: d\npermissionMode: bypassPermissions\n---\nbody\n")
    kind = parse_type_file(path, warn=warnings.append)
    assert kind.permission_mode is None
    assert "may only narrow" in warnings[0]
    plan = parse_type_file(write(tmp_path, "planner", "---\ndescription: d\npermissionMode: plan\n---\n"))
    assert plan.permission_mode == "plan"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no frontmatter", "frontmatter"),
        ("---\nname: x\n---\nbody", "description"),
        ("---\nname: Bad Name\ndescription: d\n---\n", "lowercase"),
        ("---\ndescription: d\nmemory: all\n---\n", "memory"),
        ("---\ndescription: [unclosed\n---\n", "YAML"),
    ],
)
def test_a_bad_file_says_why_and_is_skipped(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path / ".letta" / "agents", "bad", text)
    with pytest.raises(SubagentFileError, match=problem):
        parse_type_file(path)
    warnings: list[str] = []
    names = [t.name for t in load_types(tmp_path, tmp_path / "home", warn=warnings.append)]
    assert "bad" not in names and str(path) in warnings[0]


def test_the_template_of_a_new_type_reads_back(tmp_path: Path) -> None:
    path = write(tmp_path, "checker", type_file_template("checker", "Checks things"))
    kind = parse_type_file(path)
    assert (kind.name, kind.description, kind.tools) == ("checker", "Checks things", None)
