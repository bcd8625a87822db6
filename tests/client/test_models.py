"""The model catalogs behind `Backend.models`: the embedded one answers from the service's
registry (the scripted model server and a stdlib server on 127.0.0.1 as the providers),
the HTTP one from a live `letta server`, and leaves to it what the server decides."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from tests.conftest import BackendFactory
from tests.server.conftest import API_KEY, LiveServer, live_server, shared_server  # noqa: F401 - fixtures
from tests.service.llm.test_discovery import InfoServer

from letta_code.client.backend import BackendError
from letta_code.client.http import HttpBackend
from letta_code.client.models import (
    REMOTE_DEFAULT_MODEL,
    EmbeddedModelCatalog,
    ModelOption,
    resolve_handle,
    server_tool_names,
)
from letta_code.errors import UserError
from letta_code.schemas.defaults import DEFAULT_CONTEXT_WINDOW
from letta_code.service.llm import discovery
from letta_code.service.service import SERVER_TOOL_NAMES
from letta_code.testing import ModelServer

GPT_41_WINDOW = 1_047_576  # the built-in table's


@pytest.fixture(autouse=True)
def _fresh_discovery() -> None:
    discovery.clear_cache()


def test_handles_and_the_service_tool_names_need_no_backend() -> None:
    assert resolve_handle("sonnet") == "anthropic/claude-sonnet-4-5"
    assert resolve_handle("OpenAI/my-model") == "openai/my-model"
    with pytest.raises(UserError, match='unknown model "frobnicator"'):
        resolve_handle("frobnicator")
    assert server_tool_names() == frozenset(SERVER_TOOL_NAMES)
    assert {"memory_insert", "conversation_search", "archival_memory_search"} <= server_tool_names()


def test_embedded_catalog_answers_from_the_registry(model_server: ModelServer) -> None:
    catalog = EmbeddedModelCatalog(model_server.env())
    assert catalog.resolve_handle("gpt-4o") == "openai/gpt-4o"
    assert catalog.default_model(None) == "anthropic/claude-sonnet-4-5"  # the first provider with a key
    assert catalog.default_model("gpt-4.1") == "openai/gpt-4.1"
    assert catalog.window_for("openai/gpt-4.1") == catalog.assumed_window("gpt-4.1") == GPT_41_WINDOW
    catalog.check_model("openai/gpt-4.1")
    catalog.check_provider("openai/gpt-4.1")
    with pytest.raises(UserError, match="it serves gpt-4.1, gpt-4o"):
        catalog.check_model("openai/gpt-17")  # the provider's list lacks it
    with pytest.raises(UserError, match="needs an API key: set GEMINI_API_KEY"):
        catalog.check_provider("google/gemini-2.5-pro")
    with pytest.raises(UserError, match="needs an API key"):
        catalog.check_model("gemini-2.5-pro")  # the provider first: the clearer line
    options = asyncio.run(catalog.list_models("openai/my-own"))
    assert ModelOption("openai/gpt-4.1", GPT_41_WINDOW) in options
    assert options[-1] == ModelOption("openai/my-own", DEFAULT_CONTEXT_WINDOW)  # the current model, always


def test_embedded_catalog_discovers_and_reads_the_environment_at_each_question() -> None:
    env: dict[str, str] = {}
    catalog = EmbeddedModelCatalog(env)
    with InfoServer({("GET", "/props"): {"default_generation_settings": {"n_ctx": 16384}}}) as info:
        assert catalog.discovered_window("llamacpp/qwen3") is None  # no llama.cpp server configured yet
        env["LLAMACPP_BASE_URL"] = info.base_url  # as a session's environment changes under /model
        assert catalog.discovered_window("llamacpp/qwen3") == catalog.window_for("llamacpp/qwen3") == 16384
        assert catalog.assumed_window("llamacpp/qwen3") == DEFAULT_CONTEXT_WINDOW
        assert [o.handle for o in asyncio.run(catalog.list_models("llamacpp/qwen3"))] == ["llamacpp/qwen3"]


@pytest.fixture
def server(request: pytest.FixtureRequest) -> LiveServer:
    """The shared live server of tests/server/conftest.py (its fixtures are imported above)."""
    live: LiveServer = request.getfixturevalue("live_server")
    return live


def test_http_catalog_lists_the_servers_models_and_leaves_the_rest_to_it(server: LiveServer) -> None:
    served = httpx.get(f"{server.url}/v1/models", headers={"Authorization": f"Bearer {API_KEY}"}).json()

    async def main() -> None:
        backend = HttpBackend(server.url, API_KEY)
        try:
            models = backend.models
            options = await models.list_models("openai/gpt-4.1")
            assert [o.handle for o in options] == [m["handle"] for m in served]
            assert ModelOption("openai/gpt-4.1", GPT_41_WINDOW) in options
            elsewhere = await models.list_models("llamacpp/elsewhere")
            assert elsewhere[-1] == ModelOption("llamacpp/elsewhere", None)  # current, though the server lacks it

            assert models.resolve_handle("sonnet") == "anthropic/claude-sonnet-4-5"
            assert models.default_model(None) == REMOTE_DEFAULT_MODEL
            assert models.default_model("anthropic/claude-haiku-4-5") == "anthropic/claude-haiku-4-5"
            for ask in (models.window_for, models.assumed_window, models.discovered_window):
                assert ask("openai/gpt-4.1") is None  # the server gives a model its window itself
            # Nothing is checked here (a local check would refuse both): the server decides.
            models.check_provider("google/gemini-2.5-pro")
            models.check_model("openai/gpt-17")
            agent = await backend.create_agent(name="m", model="openai/gpt-4.1", block_ids=[], tools=[])
            with pytest.raises(BackendError, match='unknown model "frobnicator"'):
                await backend.update_agent(agent.id, model="frobnicator")
        finally:
            await backend.close()

    asyncio.run(main())


def test_update_agent_sets_the_window_on_both_transports(make_backend: BackendFactory) -> None:
    async def main() -> None:
        backend = make_backend()
        try:
            agent = await backend.create_agent(name="w", model="openai/gpt-4.1", block_ids=[], tools=[])
            assert agent.context_window == GPT_41_WINDOW
            updated = await backend.update_agent(agent.id, context_window=4096)
            found = await backend.find_agent(agent.id)
            assert found is not None and updated.context_window == found.context_window == 4096
        finally:
            await backend.close()

    asyncio.run(main())
