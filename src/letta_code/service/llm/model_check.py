"""Whether a model the user names is one its provider serves (`letta -m gpt-17` is refused).

Asked before anything is saved: the aliases' own targets pass without a request; any
other model is looked up in its provider's model list (`discovery.listed_models`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from letta_code.service.llm import discovery
from letta_code.service.llm.registry import (
    ALIASES,
    PROVIDERS,
    api_key,
    base_url,
    resolve_handle,
    table_window,
    unknown_model,
)
from letta_code.service.llm.types import LLMError

MAX_NAMED = 12  # models named in a refusal


def _lists(model: str, listed: list[str]) -> bool:
    """Whether a provider's list has `model` (Ollama's `name` is `name:latest`; Google's
    ids read `models/name`)."""
    return any(m in (model, f"{model}:latest", f"models/{model}") for m in listed)


def check_model(text: str, env: Mapping[str, str] | None = None) -> str:
    """The handle `text` names, refused (LLMError, one line) when its provider does not serve it.

    Unknown aliases and providers are refused by `resolve_handle`. A model of a known
    provider is asked of that provider's model list: refused when the list lacks it,
    accepted when the list cannot be had (offline, no key yet), except a bare name that
    only looked like a family (`gpt-17`) and that the built-in table does not know
    either. The built-in handles (the aliases' targets) are taken without asking: they
    cost no request, and a server that lacks one says so on the first model call.
    """
    env = os.environ if env is None else env
    full = resolve_handle(text)
    if full in ALIASES.values():
        return full
    prefix, _, model = full.partition("/")
    spec = PROVIDERS[prefix]
    url = base_url(spec, env)
    listed = discovery.listed_models(spec.kind, url, api_key(spec, env) or None)
    if listed is None:
        bare = "/" not in text.strip() and text.strip().lower() not in ALIASES
        if bare and not table_window(full)[1]:
            raise unknown_model(text)
        return full
    if _lists(model, listed):
        return full
    named = ", ".join(listed[:MAX_NAMED]) + (f" and {len(listed) - MAX_NAMED} more" if len(listed) > MAX_NAMED else "")
    raise LLMError(f'unknown model "{text}": {spec.name} at {url} does not serve {model!r}; it serves {named}')
