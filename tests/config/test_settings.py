"""Settings files: reading, clear errors for bad files, atomic merged writes."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from letta_code.config.settings import (
    ReflectionSettings,
    Settings,
    SettingsError,
    clear_credentials,
    ensure_local_settings_ignored,
    settings_env,
    update_json_file,
)
from letta_code.errors import UserError


def test_missing_files_are_empty(letta_home: Path, project: Path) -> None:
    settings = Settings.load(project)
    assert settings.global_ == {} and settings.project == {} and settings.local == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON (line 1"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"permissions": 3}', "'permissions' must be an object"),
    ],
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
    (project / ".letta" / "settings.local.json").write_text(
        json.dumps({"permissions": {"ask": ["Bash"], "allow": ["Grep"]}})
    )
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


def test_settings_errors_are_user_errors() -> None:
    assert issubclass(SettingsError, UserError)


@pytest.mark.parametrize("which", ["global", "project", "local"])
@pytest.mark.parametrize("text", ["", "  \n"])
def test_an_empty_settings_file_is_an_error_not_a_reset(letta_home: Path, project: Path, which: str, text: str) -> None:
    path = {
        "global": letta_home / "settings.json",
        "project": project / ".letta" / "settings.json",
        "local": project / ".letta" / "settings.local.json",
    }[which]
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    with pytest.raises(SettingsError, match=r"is empty; it must hold a JSON object") as info:
        Settings.load(project)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)
    with pytest.raises(SettingsError, match="is empty"):
        update_json_file(path, {"lastAgent": "agent-2"})  # a write merges into it: it must not start from {}
    assert path.read_text() == text


def test_a_settings_file_that_is_not_utf8_names_the_file(letta_home: Path, project: Path) -> None:
    (letta_home / "settings.json").write_bytes(b'{"lastAgent": "caf\xe9"}')
    with pytest.raises(SettingsError, match=re.escape(f"{letta_home / 'settings.json'} is not UTF-8 text (byte 19)")):
        Settings.load(project)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_global_file_is_private_and_project_files_keep_their_mode(letta_home: Path, project: Path) -> None:
    settings = Settings.load(project)
    settings.save_global(lastAgent="agent-1")
    assert mode_of(letta_home / "settings.json") == 0o600
    (letta_home / "settings.json").chmod(0o644)  # written by hand, or by an older letta
    settings.save_global(env={"OPENAI_API_KEY": "sk-1"})
    assert mode_of(letta_home / "settings.json") == 0o600
    settings.save_project(lastAgent="agent-1")
    assert mode_of(project / ".letta" / "settings.json") == 0o644
    (project / ".letta" / "settings.json").chmod(0o664)
    settings.save_project(lastAgent="agent-2")
    assert mode_of(project / ".letta" / "settings.json") == 0o664
    assert json.loads((letta_home / "settings.json").read_text()) == {
        "lastAgent": "agent-1",
        "env": {"OPENAI_API_KEY": "sk-1"},
    }


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"keep": 1}\n')
    with pytest.raises(TypeError):
        update_json_file(path, {"bad": object()})  # fails half-way through writing the JSON
    assert path.read_text() == '{"keep": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_clear_credentials_removes_the_env_map_and_nothing_else(letta_home: Path) -> None:
    path = letta_home / "settings.json"
    path.write_text(
        json.dumps({"env": {"OPENAI_API_KEY": "sk-1", "OPENAI_BASE_URL": "http://x"}, "apiKey": "k", "lastAgent": "a"})
    )
    path.chmod(0o644)
    assert clear_credentials() == ["OPENAI_API_KEY", "OPENAI_BASE_URL", "apiKey"]
    assert json.loads(path.read_text()) == {"lastAgent": "a"}
    assert mode_of(path) == 0o600
    assert settings_env() == {}
    assert clear_credentials() == []
    assert json.loads(path.read_text()) == {"lastAgent": "a"}


def test_clear_credentials_without_a_settings_file_creates_none(letta_home: Path) -> None:
    assert clear_credentials() == []
    assert not (letta_home / "settings.json").exists()


def test_reflection_settings_merge_and_refuse_bad_values(letta_home: Path, project: Path) -> None:
    assert Settings.load(project).reflection() == ReflectionSettings(every=5, model=None)
    (letta_home / "settings.json").write_text(json.dumps({"reflection": {"every": 3, "model": "openai/gpt-4.1-mini"}}))
    (project / ".letta").mkdir()
    (project / ".letta" / "settings.json").write_text(json.dumps({"reflection": {"every": 0}}))
    assert Settings.load(project).reflection() == ReflectionSettings(every=0, model="openai/gpt-4.1-mini")
    for bad, message in (
        ({"every": -1}, "'reflection.every' must be a whole number"),
        ({"every": True}, "'reflection.every' must be a whole number"),
        ({"model": ""}, "'reflection.model' must be a model handle"),
        ({"often": 1}, "unknown key 'reflection.often'"),
        ([], "'reflection' must be an object"),
    ):
        (project / ".letta" / "settings.json").write_text(json.dumps({"reflection": bad}))
        with pytest.raises(SettingsError, match=re.escape(message)):
            Settings.load(project)


def test_project_memory_file_defaults_names_a_path_inside_or_is_off(letta_home: Path, project: Path) -> None:
    assert Settings.load(project).project_memory_file() == project / ".letta" / "project.md"
    (project / ".letta").mkdir()
    (project / ".letta" / "settings.json").write_text(json.dumps({"projectMemoryFile": "docs/TEAM.md"}))
    assert Settings.load(project).project_memory_file() == project / "docs" / "TEAM.md"
    (project / ".letta" / "settings.local.json").write_text(json.dumps({"projectMemoryFile": False}))
    assert Settings.load(project).project_memory_file() is None
    for bad in ("/etc/passwd", "../outside.md", "~/notes.md", "", 3, None):
        (project / ".letta" / "settings.json").write_text(json.dumps({"projectMemoryFile": bad}))
        with pytest.raises(SettingsError, match=re.escape("'projectMemoryFile' must be a path inside the project")):
            Settings.load(project)
