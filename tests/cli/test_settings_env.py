"""The global settings' `env` map: credentials and knobs for `letta`, with the real environment first."""

from __future__ import annotations

import json

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta


def test_settings_env_supplies_the_endpoint_and_key(letta: Letta, model_server: ModelServer) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        letta.env.pop(name, None)
    (letta.home / "settings.json").write_text(
        json.dumps(
            {"env": {"OPENAI_BASE_URL": model_server.env()["OPENAI_BASE_URL"], "OPENAI_API_KEY": "from-settings"}}
        )
    )
    model_server.script([Reply(text="reached")])
    proc = letta.run("-p", "hi", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "reached"
    assert model_server.requests[-1].headers.get("authorization") == "Bearer from-settings"


def test_the_real_environment_wins_over_settings_env(letta: Letta, model_server: ModelServer) -> None:
    (letta.home / "settings.json").write_text(json.dumps({"env": {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}}))
    model_server.script([Reply(text="real env")])
    proc = letta.run("-p", "hi", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "real env"


def test_a_bad_env_map_is_one_line_naming_the_file(letta: Letta) -> None:
    settings = letta.home / "settings.json"
    settings.write_text(json.dumps({"env": {"LETTA_LLM_READ_TIMEOUT": {"s": 1}}}))
    proc = letta.run("-p", "hi")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"letta: {settings}: 'env.LETTA_LLM_READ_TIMEOUT' must be a string or a number, not {{\"s\": 1}}"
    ]
    settings.write_text(json.dumps({"env": ["X"]}))
    proc = letta.run("-p", "hi")
    assert proc.returncode == 1 and str(settings) in proc.stderr and "'env' must be an object" in proc.stderr
