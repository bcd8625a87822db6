"""`-m`: a model no provider serves is refused in one line before anything is saved (real
`letta` processes; the fake model server lists gpt-4.1, gpt-4o and claude-sonnet-4-5)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta


def agent_models(letta: Letta) -> list[str]:
    if not (letta.home / "letta.db").exists():
        return []
    with sqlite3.connect(letta.home / "letta.db") as db:
        return [row[0] for row in db.execute("SELECT model FROM agents")]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-17", "openai at http://127.0.0.1:"),
        ("openai/gpt-17", "it serves gpt-4.1, gpt-4o, claude-sonnet-4-5"),
        ("anthropic/claude-nope", "does not serve 'claude-nope'"),
        ("nosuch/gpt-4.1", "a provider of openai, anthropic, ollama"),
        ("frobnicator", "aliases: sonnet-4.5"),
    ],
)
def test_an_unknown_model_is_refused_before_anything_is_made(
    letta: Letta, model_server: ModelServer, model: str, expected: str
) -> None:
    proc = letta.run("-p", "hi", "-m", model)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f'letta: unknown model "{model}"') and expected in lines[0], (
        proc.stderr
    )
    assert agent_models(letta) == [] and not (letta.cwd / ".letta").exists()
    assert not model_server.model_requests


def test_an_unknown_model_leaves_the_agents_model_alone(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok"), Reply(text="still ok")])
    assert letta.run("-p", "hi", "-m", "openai/gpt-4.1").returncode == 0
    bad = letta.run("-p", "hi", "-m", "gpt-17", "--output-format", "json")
    assert bad.returncode == 1 and json.loads(bad.stdout)["is_error"] is True
    assert agent_models(letta) == ["openai/gpt-4.1"]
    good = letta.run("-p", "hi")
    assert good.returncode == 0, good.stderr
    assert model_server.last_request()["model"] == "gpt-4.1"


def test_a_model_the_server_lists_is_taken_though_letta_does_not_know_it(
    letta: Letta, model_server: ModelServer
) -> None:
    model_server.models.append("my-finetune")
    model_server.script([Reply(text="tuned")])
    proc = letta.run("-p", "hi", "-m", "openai/my-finetune")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "tuned\n" and model_server.last_request()["model"] == "my-finetune"
    assert agent_models(letta) == ["openai/my-finetune"]
