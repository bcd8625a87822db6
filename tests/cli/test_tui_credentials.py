"""`/logout` in a real terminal (tmux): the stored credentials go, the real environment's stay."""

from __future__ import annotations

import json

import pytest

from letta_code.testing import ModelServer
from tests.cli.test_tui_terminal import Terminal, start
from tests.conftest import Letta

pytestmark = pytest.mark.slow


def test_logout_clears_the_settings_env_and_names_what_the_environment_still_has(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    settings = letta.home / "settings.json"
    letta.env.pop("ANTHROPIC_API_KEY")  # only in the settings: letta copies it into its environment
    # OPENAI_API_KEY is in the real environment (the fake model server's key) and stored too.
    settings.write_text(json.dumps({"env": {"OPENAI_API_KEY": "sk-stored", "ANTHROPIC_API_KEY": "sk-ant"}}))
    term = start(terminals, letta)
    term.say("/logout")
    screen = term.wait_for("Logged out: removed OPENAI_API_KEY, ANTHROPIC_API_KEY from", "[letta exited 0]")
    joined = " ".join(screen.split())
    assert "OPENAI_API_KEY is still set in your environment" in joined
    assert "ANTHROPIC_API_KEY is still" not in joined
    stored = json.loads(settings.read_text())
    assert "env" not in stored and stored.get("lastAgent")

    again = start(terminals, letta)
    again.say("/logout")
    again.wait_for("Logged out: no stored credentials in", "[letta exited 0]")
