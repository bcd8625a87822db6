"""Unknown top-level settings keys: one warning line naming the file, never silence."""

from __future__ import annotations

import json
from pathlib import Path

from letta_code.config.settings import Settings
from letta_code.config.settings_keys import KNOWN_KEYS, OWN_KEYS, unknown_key_warnings
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta


def test_a_misspelt_key_is_named_with_the_key_it_may_have_meant() -> None:
    path = Path("/p/.letta/settings.json")
    assert unknown_key_warnings([(path, {"hoks": {}, "permissions": {}})]) == [
        f"{path}: unknown key 'hoks' is ignored (did you mean 'hooks'?)"
    ]


def test_a_key_like_nothing_gets_no_suggestion() -> None:
    path = Path("/p/settings.json")
    assert unknown_key_warnings([(path, {"statusLine": {"type": "command"}})]) == [
        f"{path}: unknown key 'statusLine' is ignored"
    ]


def test_our_keys_the_official_clis_and_schema_pass_quietly() -> None:
    data = {key: None for key in KNOWN_KEYS} | {"$schema": "https://example.invalid/schema.json"}
    assert unknown_key_warnings([(Path("/s.json"), data)]) == []
    assert {"hooks", "mcpServers", "enabledMcpjsonServers", "enableAllProjectMcpServers"} <= OWN_KEYS


def test_settings_names_each_file_of_an_unknown_key(letta_home: Path, project: Path) -> None:
    (letta_home / "settings.json").write_text(json.dumps({"modle": "openai/gpt-4.1"}))
    (project / ".letta").mkdir()
    (project / ".letta" / "settings.local.json").write_text(json.dumps({"lastAgent": "agent-1", "hookz": {}}))
    warnings = Settings.load(project).unknown_keys()
    assert warnings == [
        f"{letta_home / 'settings.json'}: unknown key 'modle' is ignored (did you mean 'model'?)",
        f"{project / '.letta' / 'settings.local.json'}: unknown key 'hookz' is ignored (did you mean 'hooks'?)",
    ]


def test_letta_warns_on_stderr_and_still_runs_the_turn(letta: Letta, model_server: ModelServer) -> None:
    settings = letta.cwd / ".letta" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"hoks": {"PreToolUse": []}}))
    model_server.script([Reply(text="ran")])
    proc = letta.run("-p", "hi", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ran"
    assert f"letta: warning: {settings}: unknown key 'hoks' is ignored (did you mean 'hooks'?)" in proc.stderr
