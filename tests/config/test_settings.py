"""Settings files: reading, clear errors for bad files, atomic merged writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from letta_code.config.settings import (
    Settings,
    SettingsError,
    ensure_local_settings_ignored,
    update_json_file,
)


def test_missing_files_are_empty(letta_home: Path, project: Path) -> None:
    settings = Settings.load(project)
    assert settings.global_ == {} and settings.project == {} and settings.local == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "is not valid JSON (line 1"), ("[1, 2]", "must hold a JSON object"), ('{"permissions": 3}', "'permissions' must be an object")],
)
def test_malformed_settings_name_the_file(letta_home: Path, project: Path, text: str, message: str) -> None:
    (letta_home / "settings.json").write_text(text)
    with pytest.raises(SettingsError, match=re.escape(message)) as info:
        Settings.load(project).permission_rules()
    assert str(letta_home / "settings.json") in str(info.value)


def test_permission_rules_gather_all_three_files(letta_home: Path, project: Path) -> None:
    (letta_home / "settings.json").write_text(json.dumps({"permissions": {"allow": ["Read"]}}))
    (project / ".letta").mkdir()
    (project / ".letta" / "settings.json").write_text(json.dumps({"permissions": {"deny": ["Read(.env)"]}}))
    (project / ".letta" / "settings.local.json").write_text(json.dumps({"permissions": {"ask": ["Bash"], "allow": ["Grep"]}}))
    rules = Settings.load(project).permission_rules()
    assert rules.allow == ["Read", "Grep"] and rules.deny == ["Read(.env)"] and rules.ask == ["Bash"]


def test_update_merges_and_keeps_other_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"keep": 1, "lastAgent": "a"}))
    update_json_file(path, {"lastAgent": "b"})
    assert json.loads(path.read_text()) == {"keep": 1, "lastAgent": "b"}
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temp files left


def test_local_settings_are_git_ignored_without_touching_user_gitignore(letta_home: Path, project: Path) -> None:
    (project / ".gitignore").write_text("node_modules\n")
    Settings.load(project).save_local(lastAgent="agent-1")
    assert (project / ".letta" / ".gitignore").read_text() == "settings.local.json\n"
    ensure_local_settings_ignored(project / ".letta")
    assert (project / ".letta" / ".gitignore").read_text() == "settings.local.json\n"
    assert (project / ".gitignore").read_text() == "node_modules\n"
