"""check_model: a model the user names must be one its provider serves."""

from __future__ import annotations

import pytest

from letta_code.service.llm import discovery
from letta_code.service.llm.model_check import check_model
from letta_code.service.llm.types import LLMError
from letta_code.testing import ModelServer
from tests.service.llm.test_discovery import InfoServer, dead_url


def test_check_model_asks_the_providers_list(model_server: ModelServer) -> None:
    env = model_server.env()
    assert check_model("openai/gpt-4o", env) == "openai/gpt-4o"
    assert check_model("gpt-4.1", env) == "openai/gpt-4.1"
    assert not model_server.requests  # the built-in handles cost no request
    for text, model in (("gpt-17", "gpt-17"), ("openai/gpt-17", "gpt-17"), ("anthropic/claude-nope", "claude-nope")):
        with pytest.raises(LLMError) as info:
            check_model(text, env)
        message = str(info.value)
        assert message.startswith(f'unknown model "{text}":') and repr(model) in message and "\n" not in message
        assert "gpt-4.1, gpt-4o, claude-sonnet-4-5" in message  # what the server does serve
    model_server.models += ["my-finetune", "claude-custom"]
    discovery.clear_cache()
    assert check_model("openai/my-finetune", env) == "openai/my-finetune"  # not in our table: the list has it
    assert check_model("anthropic/claude-custom", env) == "anthropic/claude-custom"
    with pytest.raises(LLMError, match="provider of openai"):
        check_model("nosuch/gpt-4.1", env)
    anthropic_lists = [r for r in model_server.requests if r.path == "/v1/models" and "x-api-key" in r.headers]
    assert anthropic_lists and anthropic_lists[0].headers["x-api-key"] == "test-key"


def test_check_model_without_a_list() -> None:
    """The list cannot be had (offline, nothing listening): an explicit handle is taken, a bare
    name only when the built-in table knows its family; built-in handles never ask."""
    env = {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": dead_url(), "OLLAMA_BASE_URL": dead_url()}
    assert check_model("openai/gpt-17", env) == "openai/gpt-17"
    assert check_model("ollama/qwen3:8b", env) == "ollama/qwen3:8b"
    assert check_model("gpt-4o-mini", env) == "openai/gpt-4o-mini"
    with pytest.raises(LLMError, match='unknown model "gpt-17"'):
        check_model("gpt-17", env)
    assert check_model("sonnet", {"ANTHROPIC_API_KEY": "k"}) == "anthropic/claude-sonnet-4-5"


def test_check_model_matches_the_names_servers_use() -> None:
    with InfoServer({("GET", "/v1/models"): {"data": [{"id": "llama3.1:latest"}, {"id": "models/gemini-x"}]}}) as info:
        env = {"OLLAMA_BASE_URL": info.url, "GEMINI_API_KEY": "k", "GEMINI_BASE_URL": info.base_url}
        assert check_model("ollama/llama3.1", env) == "ollama/llama3.1"  # Ollama's `name` is `name:latest`
        assert check_model("google/gemini-x", env) == "google/gemini-x"  # Google's ids read models/<name>
        with pytest.raises(LLMError, match="'qwen3'"):
            check_model("ollama/qwen3", env)
