"""Model handles, aliases, provider selection and the model list."""

from __future__ import annotations

import subprocess
import sys

import pytest

from letta_code.service.llm import discovery
from letta_code.service.llm.anthropic_messages import AnthropicMessagesProvider
from letta_code.service.llm.base import Provider
from letta_code.service.llm.openai_chat import OpenAIChatProvider
from letta_code.service.llm.registry import (
    NO_PROVIDER,
    context_window,
    default_handle,
    get_provider,
    list_models,
    resolve_handle,
)
from letta_code.service.llm.types import LLMError
from letta_code.testing import ModelServer, Reply
from tests.service.llm.test_discovery import dead_url
from tests.service.llm.util import accumulate, request


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("sonnet-4.5", "anthropic/claude-sonnet-4-5"),
        ("claude-sonnet-4.5", "anthropic/claude-sonnet-4-5"),
        ("Sonnet", "anthropic/claude-sonnet-4-5"),
        ("opus", "anthropic/claude-opus-4-1"),
        ("haiku", "anthropic/claude-haiku-4-5"),
        ("gpt-5", "openai/gpt-5"),
        ("gpt-4o", "openai/gpt-4o"),
        ("gpt-4.1", "openai/gpt-4.1"),
        ("gemini-2.5-pro", "google/gemini-2.5-pro"),
        ("glm-4.6", "openrouter/z-ai/glm-4.6"),
        ("openai/gpt-4.1-mini", "openai/gpt-4.1-mini"),
        ("ollama/qwen2.5-coder:7b", "ollama/qwen2.5-coder:7b"),
        ("openrouter/z-ai/glm-4.6", "openrouter/z-ai/glm-4.6"),
        ("google_ai/gemini-2.5-flash", "google_ai/gemini-2.5-flash"),
        (" claude-opus-4-1 ", "anthropic/claude-opus-4-1"),
    ],
)
def test_resolve_handle(text: str, handle: str) -> None:
    assert resolve_handle(text) == handle


@pytest.mark.parametrize("text", ["nosuch/model", "frobnicator", "openai/", ""])
def test_unknown_models_say_what_to_use(text: str) -> None:
    with pytest.raises(LLMError) as info:
        resolve_handle(text)
    message = str(info.value)
    assert message.startswith(f'unknown model "{text}": use provider/model with a provider of openai, anthropic')
    assert "ollama" in message and "sonnet-4.5" in message and "\n" not in message


def test_get_provider_picks_adapter_key_and_base_url() -> None:
    env = {
        "OPENAI_API_KEY": "sk-1",
        "ANTHROPIC_API_KEY": "ak",
        "GOOGLE_API_KEY": "g",
        "OPENROUTER_API_KEY": "o",
    }
    provider, model = get_provider("gpt-4.1", env)
    assert isinstance(provider, OpenAIChatProvider) and isinstance(provider, Provider)
    assert (model, provider.base_url, provider.api_key) == (
        "gpt-4.1",
        "https://api.openai.com/v1",
        "sk-1",
    )
    provider, model = get_provider("sonnet", env)
    assert isinstance(provider, AnthropicMessagesProvider)
    assert (model, provider.base_url) == ("claude-sonnet-4-5", "https://api.anthropic.com")
    provider, model = get_provider("gemini-2.5-pro", env)
    assert provider.base_url == "https://generativelanguage.googleapis.com/v1beta/openai"
    provider, model = get_provider("glm-4.6", env)
    assert (provider.base_url, model) == ("https://openrouter.ai/api/v1", "z-ai/glm-4.6")
    provider, model = get_provider("ollama/llama3.1", {"OLLAMA_BASE_URL": "http://box:11434"})
    assert (provider.base_url, model, provider.name) == (
        "http://box:11434/v1",
        "llama3.1",
        "ollama",
    )
    provider, _ = get_provider("lmstudio/qwen", {})
    assert provider.base_url == "http://localhost:1234/v1"
    provider, _ = get_provider("llamacpp/any", {})
    assert provider.base_url == "http://localhost:8080/v1"


@pytest.mark.parametrize(
    ("handle", "variable"),
    [
        ("openai/gpt-4.1", "OPENAI_API_KEY"),
        ("haiku", "ANTHROPIC_API_KEY"),
        ("google/gemini-2.5-pro", "GEMINI_API_KEY or GOOGLE_API_KEY"),
        ("glm-4.6", "OPENROUTER_API_KEY"),
    ],
)
def test_missing_key_names_the_variable(handle: str, variable: str) -> None:
    with pytest.raises(LLMError, match=f"needs an API key: set {variable}$"):
        get_provider(handle, {})


def test_openai_compatible_server_without_key() -> None:
    provider, _ = get_provider("openai/local", {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert provider.base_url == "http://127.0.0.1:9/v1"


def test_default_handle() -> None:
    assert default_handle({}, "gpt-4o") == "openai/gpt-4o"
    assert default_handle({"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o"}, None) == "anthropic/claude-sonnet-4-5"
    assert default_handle({"OPENAI_API_KEY": "o"}, None) == "openai/gpt-4.1"
    assert default_handle({"GEMINI_API_KEY": "g"}, None) == "google/gemini-2.5-pro"
    assert default_handle({"OPENROUTER_API_KEY": "r"}, None).startswith("openrouter/")
    assert default_handle({"OLLAMA_BASE_URL": "http://h:11434"}, None) == "ollama/llama3.1"
    assert default_handle({"OLLAMA_BASE_URL": "http://h", "OLLAMA_MODEL": "qwen3"}, None) == "ollama/qwen3"
    with pytest.raises(LLMError) as info:
        default_handle({"OPENAI_API_KEY": ""}, None)
    assert str(info.value) == NO_PROVIDER and "\n" not in NO_PROVIDER
    assert "OPENAI_API_KEY" in NO_PROVIDER and "-m provider/model" in NO_PROVIDER


@pytest.fixture(autouse=True)
def _fresh_discovery() -> None:
    discovery.clear_cache()


def test_context_windows() -> None:
    assert context_window("sonnet") == 200_000
    assert context_window("anthropic/claude-opus-4-1") == 200_000
    assert context_window("openai/gpt-4.1") == 1_047_576
    assert context_window("gpt-4o") == 128_000
    assert context_window("gemini-2.5-pro") == 1_048_576
    assert context_window("openrouter/z-ai/glm-4.6") == 200_000
    assert context_window("ollama/some-model") == 128_000
    assert context_window("garbage") == 128_000


def test_list_models_shows_configured_providers_only() -> None:
    down = dead_url()  # a local server that is down lists nothing but the model named in OLLAMA_MODEL
    models = list_models({"ANTHROPIC_API_KEY": "a", "OLLAMA_BASE_URL": down, "OLLAMA_MODEL": "llama3.1"})
    handles = [m["handle"] for m in models]
    assert handles == [
        "anthropic/claude-sonnet-4-5",
        "anthropic/claude-opus-4-1",
        "anthropic/claude-haiku-4-5",
        "ollama/llama3.1",
    ]
    first = models[0]
    assert first["provider_type"] == "anthropic" and first["model_endpoint_type"] == "anthropic"
    assert first["model"] == first["name"] == "claude-sonnet-4-5"
    assert first["model_endpoint"] == "https://api.anthropic.com" and first["context_window"] == 200_000
    assert models[-1]["context_window"] == 128_000  # the table's, as the server did not say
    assert [m["handle"] for m in list_models({"OLLAMA_BASE_URL": down})] == []
    assert list_models({}) == []
    assert [m["handle"] for m in list_models({}, current="openai/gpt-4.1")] == ["openai/gpt-4.1"]


def test_list_models_from_a_custom_openai_base_url(model_server: ModelServer) -> None:
    env = {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": model_server.base_url}
    handles = [m["handle"] for m in list_models(env)]
    # What that server serves replaces OpenAI's own models.
    assert handles == ["openai/gpt-4.1", "openai/gpt-4o", "openai/claude-sonnet-4-5"]
    assert [m["handle"] for m in list_models({"LLAMACPP_BASE_URL": model_server.url})] == [
        "llamacpp/gpt-4.1",
        "llamacpp/gpt-4o",
        "llamacpp/claude-sonnet-4-5",
    ]


def test_registry_import_does_not_load_httpx() -> None:
    code = "import sys, letta_code.service.llm.registry; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("handle", ["openai/gpt-4.1", "anthropic/claude-sonnet-4-5"])
def test_server_env_points_both_protocols_at_the_fake(model_server: ModelServer, handle: str) -> None:
    model_server.script([Reply(text=f"hi from {handle}")])
    provider, model = get_provider(handle, model_server.env())
    assert accumulate(provider, request(model=model)).text == f"hi from {handle}"
    assert model_server.last_request()["model"] == model
