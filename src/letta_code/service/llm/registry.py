"""Model handles (`provider/model`), aliases, and the provider each handle needs.

`resolve_handle("sonnet")` -> "anthropic/claude-sonnet-4-5"; `get_provider(handle)`
builds the adapter with the key and base URL from the environment;
`model_check.check_model(text, env)` refuses a model its provider does not serve;
`default_handle(env, configured)` picks a model when the user named none;
`list_models(env)` is what `GET /v1/models` and `/model` show.

A model's context window, `window_for(handle, env)`: what its server says
(`discovered_window`, see `discovery.py`) for a local server or an
OpenAI-compatible server at a custom base URL, else the built-in table
(`context_window`), else `DEFAULT_CONTEXT_WINDOW`. Explicit values (the API's
`context_window_limit`, the CLI's `--context-window` and settings `models`) are
applied by their callers and win over both. Cloud providers on their default base
URL are never asked. Importing this module does not import httpx: the adapters are
imported inside `get_provider`, the discovery's httpx on its first request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from letta_code.schemas.defaults import DEFAULT_CONTEXT_WINDOW
from letta_code.service.llm import discovery
from letta_code.service.llm.types import LLMError
from letta_code.service.llm.vision import accepts_images

if TYPE_CHECKING:
    from letta_code.service.llm.base import Provider


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    kind: str  # "openai" (Chat Completions) | "anthropic" (Messages)
    key_envs: tuple[str, ...]  # first set one wins
    key_required: bool
    base_env: str | None
    default_base: str
    endpoint_type: str  # Letta's `model_endpoint_type` / `provider_type`
    local: bool = False  # an OpenAI-compatible server on the user's machine


PROVIDERS: dict[str, ProviderSpec] = {
    "openai": ProviderSpec(
        "openai", "openai", ("OPENAI_API_KEY",), True, "OPENAI_BASE_URL", "https://api.openai.com/v1", "openai"
    ),
    "anthropic": ProviderSpec(
        "anthropic",
        "anthropic",
        ("ANTHROPIC_API_KEY",),
        True,
        "ANTHROPIC_BASE_URL",
        "https://api.anthropic.com",
        "anthropic",
    ),
    "ollama": ProviderSpec(
        "ollama",
        "openai",
        ("OLLAMA_API_KEY",),
        False,
        "OLLAMA_BASE_URL",
        "http://localhost:11434/v1",
        "ollama",
        local=True,
    ),
    "lmstudio": ProviderSpec(
        "lmstudio",
        "openai",
        ("LMSTUDIO_API_KEY",),
        False,
        "LMSTUDIO_BASE_URL",
        "http://localhost:1234/v1",
        "lmstudio",
        local=True,
    ),
    "llamacpp": ProviderSpec(
        "llamacpp",
        "openai",
        ("LLAMACPP_API_KEY",),
        False,
        "LLAMACPP_BASE_URL",
        "http://localhost:8080/v1",
        "llamacpp",
        local=True,
    ),
    "openrouter": ProviderSpec(
        "openrouter",
        "openai",
        ("OPENROUTER_API_KEY",),
        True,
        "OPENROUTER_BASE_URL",
        "https://openrouter.ai/api/v1",
        "openrouter",
    ),
    "google": ProviderSpec(
        "google",
        "openai",
        ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
        True,
        "GEMINI_BASE_URL",
        "https://generativelanguage.googleapis.com/v1beta/openai",
        "google_ai",
    ),
}
PROVIDERS["google_ai"] = PROVIDERS["google"]

ALIASES: dict[str, str] = {
    "sonnet-4.5": "anthropic/claude-sonnet-4-5",
    "claude-sonnet-4.5": "anthropic/claude-sonnet-4-5",
    "sonnet": "anthropic/claude-sonnet-4-5",
    "opus": "anthropic/claude-opus-4-1",
    "haiku": "anthropic/claude-haiku-4-5",
    "gpt-5": "openai/gpt-5",
    "gpt-4o": "openai/gpt-4o",
    "gpt-4.1": "openai/gpt-4.1",
    "gemini-2.5-pro": "google/gemini-2.5-pro",
    "glm-4.6": "openrouter/z-ai/glm-4.6",
}

# Context windows by model-name prefix (longest match wins); else DEFAULT_CONTEXT_WINDOW.
CONTEXT_WINDOWS: dict[str, int] = {
    "claude-": 200_000,
    "anthropic/claude-": 200_000,
    "gpt-5": 272_000,
    "openai/gpt-5": 272_000,
    "gpt-4.1": 1_047_576,
    "openai/gpt-4.1": 1_047_576,
    "gpt-4o": 128_000,
    "o1": 200_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    "gemini-2.5": 1_048_576,
    "gemini-2.0": 1_048_576,
    "google/gemini-2.5": 1_048_576,
    "z-ai/glm-4.6": 200_000,
    "glm-4.6": 200_000,
    "llama3.1": 128_000,
    "qwen2.5-coder": 32_768,
}

# Bare model names we can place without a prefix.
_FAMILIES = (
    ("claude-", "anthropic"),
    ("gpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4-", "openai"),
    ("gemini-", "google"),
)


def unknown_model(text: str) -> LLMError:
    aliases = ", ".join(ALIASES)
    providers = ", ".join(name for name, spec in PROVIDERS.items() if name == spec.name)
    return LLMError(
        f'unknown model "{text}": use provider/model with a provider of {providers} '
        f"(e.g. openai/gpt-4.1), or one of the aliases: {aliases}"
    )


def resolve_handle(text: str) -> str:
    """An alias or handle -> a `provider/model` handle (LLMError if unknown)."""
    name = text.strip()
    alias = ALIASES.get(name.lower())
    if alias:
        return alias
    if "/" in name:
        provider, _, model = name.partition("/")
        if provider.lower() in PROVIDERS and model:
            return f"{provider.lower()}/{model}"
        raise unknown_model(text)
    for prefix, provider in _FAMILIES:
        if name.lower().startswith(prefix) and len(name) > len(prefix):
            return f"{provider}/{name}"
    raise unknown_model(text)


def _get(env: Mapping[str, str], name: str | None) -> str:
    return (env.get(name) or "").strip() if name else ""


def api_key(spec: ProviderSpec, env: Mapping[str, str]) -> str:
    for name in spec.key_envs:
        value = _get(env, name)
        if value:
            return value
    return ""


def base_url(spec: ProviderSpec, env: Mapping[str, str]) -> str:
    """The provider's base URL from its env var (or the default)."""
    url = (_get(env, spec.base_env) or spec.default_base).rstrip("/")
    if spec.local and urlparse(url).path in ("", "/"):
        url += "/v1"  # OLLAMA_BASE_URL=http://localhost:11434 is a common spelling
    return url


def is_configured(spec: ProviderSpec, env: Mapping[str, str]) -> bool:
    """Whether the user set this provider up (a key, or a base URL for local servers)."""
    if spec.local:
        return bool(_get(env, spec.base_env))
    return bool(api_key(spec, env))


def get_provider(handle: str, env: Mapping[str, str] | None = None) -> tuple[Provider, str]:
    """The adapter for a handle (or alias) and the provider's model name."""
    env = os.environ if env is None else env
    full = resolve_handle(handle)
    prefix, _, model = full.partition("/")
    spec = PROVIDERS[prefix]
    key = api_key(spec, env)
    url = base_url(spec, env)
    # A custom OPENAI_BASE_URL (vLLM, a proxy) may not need a key.
    custom_base = spec.name == "openai" and url != spec.default_base
    if spec.key_required and not key and not custom_base:
        names = " or ".join(spec.key_envs)
        raise LLMError(f'model "{full}" needs an API key: set {names}')
    key_env = next((n for n in spec.key_envs if _get(env, n)), spec.key_envs[0]) if spec.key_envs else None
    if spec.kind == "anthropic":
        from letta_code.service.llm.anthropic_messages import AnthropicMessagesProvider

        provider: Provider = AnthropicMessagesProvider(url, key, name=prefix, key_env=key_env, base_env=spec.base_env)
    else:  # the server's headers and max-tokens field come from quirks.py
        from letta_code.service.llm.openai_chat import OpenAIChatProvider

        provider = OpenAIChatProvider(url, key or None, name=prefix, key_env=key_env, base_env=spec.base_env)
    provider.accepts_images = accepts_images(full, env)
    return provider, model


_DEFAULT_ORDER = (
    ("ANTHROPIC_API_KEY", "anthropic/claude-sonnet-4-5"),
    ("OPENAI_API_KEY", "openai/gpt-4.1"),
    ("GEMINI_API_KEY", "google/gemini-2.5-pro"),
    ("GOOGLE_API_KEY", "google/gemini-2.5-pro"),
    ("OPENROUTER_API_KEY", "openrouter/anthropic/claude-sonnet-4.5"),
)
_LOCAL_DEFAULTS = (
    ("ollama", "OLLAMA_MODEL", "llama3.1"),
    ("lmstudio", "LMSTUDIO_MODEL", "default"),
    ("llamacpp", "LLAMACPP_MODEL", "default"),
)
NO_PROVIDER = (
    "no model provider configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server), "
    "ANTHROPIC_API_KEY, or OLLAMA_BASE_URL, or pass -m provider/model"
)


def default_handle(env: Mapping[str, str] | None = None, configured: str | None = None) -> str:
    """The configured default model, else the first provider with credentials."""
    env = os.environ if env is None else env
    if configured and configured.strip():
        return resolve_handle(configured)
    for var, handle in _DEFAULT_ORDER:
        if _get(env, var):
            return handle
    for provider, model_var, fallback in _LOCAL_DEFAULTS:
        if is_configured(PROVIDERS[provider], env):
            return f"{provider}/{_get(env, model_var) or fallback}"
    raise LLMError(NO_PROVIDER)


def table_window(handle: str) -> tuple[int, bool]:
    """The built-in table's window for a handle, and whether the table knew the model."""
    try:
        name = resolve_handle(handle)
    except LLMError:
        name = handle.strip()
    model = name.partition("/")[2] if name.partition("/")[0] in PROVIDERS else name
    best, best_len = DEFAULT_CONTEXT_WINDOW, -1
    for candidate in (name, model):
        for prefix, size in CONTEXT_WINDOWS.items():
            if candidate.startswith(prefix) and len(prefix) > best_len:
                best, best_len = size, len(prefix)
    return best, best_len >= 0


def context_window(handle: str) -> int:
    """The built-in table's window of a model (handle, alias or bare name); DEFAULT_CONTEXT_WINDOW if unknown."""
    return table_window(handle)[0]


@dataclass(frozen=True)
class DiscoveryTarget:
    """Where to ask for a handle's context window: the server kind, its base URL, the model."""

    kind: str
    base_url: str
    model: str
    api_key: str | None


def discovery_target(handle: str, env: Mapping[str, str] | None = None) -> DiscoveryTarget | None:
    """The server to ask about `handle`, or None when its window is not discovered.

    Asked: local servers (Ollama, LM Studio, llama.cpp) always; an OpenAI-compatible
    provider at a custom base URL (a vLLM box, a proxy) when the built-in table does
    not know the model (a proxy of gpt-4.1 has gpt-4.1's window). Never a cloud
    provider at its default base URL, nor the Anthropic protocol.
    """
    env = os.environ if env is None else env
    try:
        prefix, _, model = resolve_handle(handle).partition("/")
    except LLMError:
        return None
    spec = PROVIDERS[prefix]
    url = base_url(spec, env)
    if spec.kind != "openai" or not model:
        return None
    if not spec.local and (url == spec.default_base or table_window(handle)[1]):
        return None
    return DiscoveryTarget(spec.name, url, model, api_key(spec, env) or None)


def discovered_window(handle: str, env: Mapping[str, str] | None = None) -> int | None:
    """What the model's server says its context window is; None when not asked or it did not say."""
    target = discovery_target(handle, env)
    if target is None:
        return None
    return discovery.context_window(target.kind, target.base_url, target.model, target.api_key)


def window_for(handle: str, env: Mapping[str, str] | None = None) -> int:
    """The window a model gets when nobody set one: discovered, else the built-in table."""
    return discovered_window(handle, env) or context_window(handle)


def _entry(handle: str, env: Mapping[str, str]) -> dict[str, Any] | None:
    try:
        prefix, _, model = resolve_handle(handle).partition("/")
    except LLMError:
        return None
    spec = PROVIDERS[prefix]
    return {
        "handle": f"{prefix}/{model}",
        "name": model,
        "display_name": model,
        "model": model,
        "provider_type": spec.endpoint_type,
        "provider_name": spec.name,
        "model_endpoint_type": spec.endpoint_type,
        "model_endpoint": base_url(spec, env),
        "context_window": window_for(handle, env),
    }


def served_handles(env: Mapping[str, str] | None = None) -> list[str]:
    """The handles the configured endpoints serve (`{base}/models` of each, cached).

    Endpoints: local servers whose base URL is set, and a custom OPENAI_BASE_URL. A
    server that is down (or has no model list) contributes nothing.
    """
    env = os.environ if env is None else env
    handles: list[str] = []
    for name, spec in PROVIDERS.items():
        if name != spec.name:
            continue  # an alias of a provider (google_ai)
        url = base_url(spec, env)
        custom = spec.name == "openai" and url != spec.default_base
        if not (spec.local and is_configured(spec, env)) and not custom:
            continue
        key = api_key(spec, env) or None
        handles += [f"{spec.name}/{m.id}" for m in discovery.served_models(url, key)]
    return handles


def list_models(env: Mapping[str, str] | None = None, current: str | None = None) -> list[dict[str, Any]]:
    """The models to offer: built-in handles of configured cloud providers, what the
    configured endpoints serve, a local default named by *_MODEL, and `current`.

    With a custom OPENAI_BASE_URL, the `openai/...` handles are what that server
    serves rather than OpenAI's. Each entry's `context_window` is `window_for`'s.
    """
    env = os.environ if env is None else env
    openai = PROVIDERS["openai"]
    custom_openai = base_url(openai, env) != openai.default_base
    handles = [
        h
        for h in dict.fromkeys(ALIASES.values())
        if is_configured(PROVIDERS[h.partition("/")[0]], env) and not (custom_openai and h.startswith("openai/"))
    ]
    handles += served_handles(env)
    for provider, model_var, _ in _LOCAL_DEFAULTS:
        if is_configured(PROVIDERS[provider], env) and _get(env, model_var):
            handles.append(f"{provider}/{_get(env, model_var)}")
    if current:
        handles.append(current)
    out = [_entry(h, env) for h in dict.fromkeys(handles)]
    return [e for e in out if e is not None]
