"""Which subagent types a session offers: `subagents.exploreModel` from the settings files
(a known key, so no warning), and a bad value ignored with one warning."""

from __future__ import annotations

import json
from pathlib import Path

from letta_code.cli.subagent_setup import session_types
from letta_code.config.settings import Settings


def test_explore_runs_on_the_settings_model_and_the_key_is_known(letta_home: Path, tmp_path: Path) -> None:
    (tmp_path / ".letta").mkdir()
    (tmp_path / ".letta" / "settings.json").write_text(json.dumps({"subagents": {"exploreModel": "openai/gpt-4o"}}))
    settings = Settings.load(tmp_path)
    assert settings.unknown_keys() == []
    warnings: list[str] = []
    types = {t.name: t for t in session_types(settings, tmp_path, warnings.append)}
    assert types["explore"].model == "openai/gpt-4o"
    assert types["general-purpose"].model is None and warnings == []


def test_a_bad_explore_model_is_ignored_with_a_warning(letta_home: Path, tmp_path: Path) -> None:
    (tmp_path / ".letta").mkdir()
    (tmp_path / ".letta" / "settings.json").write_text(json.dumps({"subagents": {"exploreModel": 3}}))
    warnings: list[str] = []
    types = {t.name: t for t in session_types(Settings.load(tmp_path), tmp_path, warnings.append)}
    assert types["explore"].model is None
    assert "exploreModel" in warnings[0]
