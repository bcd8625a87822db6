"""The agent's context window from the CLI: `--context-window`, settings `models`, discovery.

`letta -p` runs as a real subprocess against the scripted model server; discovery
runs `open_session` in-process against a real stdlib server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from letta_code.cli.args import parse_args
from letta_code.cli.session import open_session
from letta_code.schemas.defaults import DEFAULT_CONTEXT_WINDOW
from letta_code.schemas.state import AgentState
from letta_code.service.llm import discovery
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta
from tests.server.conftest import start_live_server
from tests.service.llm.test_discovery import InfoServer, dead_url

MODEL = ["-m", "openai/gpt-4.1"]
GPT_41_WINDOW = 1_047_576  # the built-in table's


@pytest.fixture(autouse=True)
def _fresh_discovery() -> None:
    discovery.clear_cache()


def run_json(letta: Letta, server: ModelServer, *flags: str) -> dict[str, str]:
    server.script([Reply(text="ok")])
    proc = letta.run("-p", "hi", "--output-format", "json", *flags)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def stored_window(letta: Letta, agent_id: str) -> int:
    with sqlite3.connect(letta.home / "letta.db") as db:
        row = db.execute("SELECT context_window FROM agents WHERE id = ?", (agent_id,)).fetchone()
    return int(row[0])


def test_flag_is_saved_on_the_agent(letta: Letta, model_server: ModelServer) -> None:
    agent = run_json(letta, model_server, *MODEL, "--context-window", "4096")["agent_id"]
    assert stored_window(letta, agent) == 4096
    # Like -m, it stays with the agent.
    assert run_json(letta, model_server, *MODEL)["agent_id"] == agent
    assert stored_window(letta, agent) == 4096
    run_json(letta, model_server, *MODEL, "--context-window", "32_768")
    assert stored_window(letta, agent) == 32768


def test_settings_models_apply_by_handle_or_alias(letta: Letta, model_server: ModelServer) -> None:
    agent = run_json(letta, model_server, *MODEL)["agent_id"]
    assert stored_window(letta, agent) == GPT_41_WINDOW
    (letta.home / "settings.json").write_text(
        json.dumps({"models": {"gpt-4.1": {"contextWindow": 50000}, "sonnet": {"contextWindow": 9}}})
    )
    run_json(letta, model_server, *MODEL)
    assert stored_window(letta, agent) == 50000
    project = letta.cwd / ".letta" / "settings.json"
    data = json.loads(project.read_text())
    project.write_text(json.dumps({**data, "models": {"openai/gpt-4.1": {"contextWindow": 60000}}}))
    run_json(letta, model_server, *MODEL)
    assert stored_window(letta, agent) == 60000  # the project's file beats the global one
    run_json(letta, model_server, *MODEL, "--context-window", "7000")
    assert stored_window(letta, agent) == 7000  # the flag beats both


@pytest.mark.parametrize(
    ("settings", "flags", "expected"),
    [
        (None, ["--context-window", "0"], "argument --context-window: must be a positive number of tokens"),
        (None, ["--context-window", "lots"], "(not 'lots')"),
        ({"models": {"gpt-4.1": {"contextWindow": "big"}}}, [], "'models.gpt-4.1.contextWindow' must be a positive"),
        ({"models": {"gpt-4.1": {"context": 5}}}, [], "unknown key 'models.gpt-4.1.context' (known: contextWindow)"),
        ({"models": {"gpt-4.1": 5}}, [], "'models.gpt-4.1' must be an object"),
        ({"models": ["gpt-4.1"]}, [], "'models' must be an object"),
    ],
)
def test_bad_values_are_refused_in_one_line(
    letta: Letta, settings: dict[str, object] | None, flags: list[str], expected: str
) -> None:
    if settings is not None:
        (letta.home / "settings.json").write_text(json.dumps(settings))
    proc = letta.run("-p", "hi", *MODEL, *flags)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], proc.stderr
    if settings is not None:
        assert str(letta.home / "settings.json") in lines[0]


async def _open(argv: list[str], env: dict[str, str]) -> AgentState:
    ctx = await open_session(parse_args(argv), env)
    try:
        stored = await ctx.backend.find_agent(ctx.target.agent.id)
        assert stored is not None and stored.context_window == ctx.target.agent.context_window
        return stored
    finally:
        await ctx.backend.close()


def test_local_server_window_is_discovered(letta_home: Path, project: Path) -> None:
    with InfoServer() as info:
        env = {"LLAMACPP_BASE_URL": info.base_url}
        first = asyncio.run(_open(["-m", "llamacpp/qwen3"], env))
        assert first.context_window == DEFAULT_CONTEXT_WINDOW  # the server says nothing (yet)

        info.routes[("GET", "/props")] = {"default_generation_settings": {"n_ctx": 16384}}
        discovery.clear_cache()
        again = asyncio.run(_open([], env))
        assert again.id == first.id and again.context_window == 16384  # learned on open, and saved

        info.routes[("GET", "/props")] = {"default_generation_settings": {"n_ctx": 4096}}
        discovery.clear_cache()
        assert asyncio.run(_open([], env)).context_window == 16384  # no longer the table's guess: kept
        switched = asyncio.run(_open(["-m", "llamacpp/gemma3"], env))
        assert (switched.model, switched.context_window) == ("llamacpp/gemma3", 4096)  # -m asks again

        (letta_home / "settings.json").write_text(json.dumps({"models": {"llamacpp/gemma3": {"contextWindow": 2048}}}))
        assert asyncio.run(_open([], env)).context_window == 2048  # settings beat the server
        assert asyncio.run(_open(["--context-window", "3000"], env)).context_window == 3000


def test_unreachable_local_server_keeps_the_table(letta_home: Path, project: Path) -> None:
    agent = asyncio.run(_open(["-m", "ollama/qwen2.5-coder:7b"], {"OLLAMA_BASE_URL": dead_url()}))
    assert agent.context_window == 32_768


def test_over_letta_base_url_only_the_flag_and_settings_are_applied(
    letta_home: Path, project: Path, model_server: ModelServer, tmp_path: Path
) -> None:
    # This machine's OPENAI_BASE_URL would report 8192 for the model (and has no key): neither
    # is asked about. The server gives the agent its own window and answers for its providers.
    model_server.models.append("my-finetune")
    live, thread = start_live_server(tmp_path, model_server, api_key=None)
    try:
        with InfoServer({("GET", "/props"): {"n_ctx": 8192}}) as info:
            env = {"LETTA_BASE_URL": live.url, "OPENAI_BASE_URL": info.base_url}
            first = asyncio.run(_open(["-m", "openai/my-finetune"], env))
            assert first.context_window == DEFAULT_CONTEXT_WINDOW  # what the server chose
            assert asyncio.run(_open(["--context-window", "5000"], env)).context_window == 5000
            assert live.service.get_agent(first.id).context_window == 5000  # sent as context_window_limit
            (letta_home / "settings.json").write_text(
                json.dumps({"models": {"openai/my-finetune": {"contextWindow": 6000}}})
            )
            assert asyncio.run(_open([], env)).context_window == 6000
            assert info.requests == []
        # No provider is configured on this machine at all: none is needed here.
        assert asyncio.run(_open([], {"LETTA_BASE_URL": live.url})).context_window == 6000
    finally:
        thread.stop()
