"""Ask a model server what it serves and how large its context window is.

Local servers (llama.cpp, Ollama, LM Studio, vLLM) and other OpenAI-compatible
endpoints say so in different places:

- llama.cpp's server: `GET {root}/props` -> `default_generation_settings.n_ctx`
  (or a top-level `n_ctx`);
- Ollama: `POST {root}/api/show {"model": NAME}` -> a `num_ctx N` line in
  `parameters` when the model sets one, else `model_info["<arch>.context_length"]`;
- LM Studio: `GET {root}/api/v0/models/{model}` -> `loaded_context_length`, else
  `max_context_length`;
- vLLM, OpenRouter and other OpenAI-compatible servers: the `{base}/models` entry
  of the model, with `max_model_len`, `context_length`, `context_window` or `n_ctx`.

Which models a provider serves (`listed_models`, to refuse a misspelt `-m`): the
`{base}/models` list (Bearer key), or for the Anthropic protocol `{root}/v1/models`
(`x-api-key`); None when the list cannot be had.

`root` is the base URL without its trailing `/v1`. Every call is a short sync
httpx request (1.5 s at most for connect and read); nothing here raises: an
unreachable server, an error status or a body of another shape is just "unknown"
(None, or no models). Responses are cached per process and URL (a model's window
therefore per base URL and model): a second question makes no request. A failure
is remembered for `FAILURE_TTL` seconds, so a server that is down costs one wait,
not one per question, and a server started later is seen.

httpx is imported on first use: importing this module stays cheap.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.5
FAILURE_TTL = 30.0
# Fields of an OpenAI-style `/v1/models` entry that hold the context window, best first.
WINDOW_FIELDS = ("max_model_len", "context_length", "context_window", "n_ctx")
# Server kinds: the provider names whose servers have their own endpoints; anything
# else is asked only the OpenAI-style model list.
LLAMACPP, OLLAMA, LMSTUDIO = "llamacpp", "ollama", "lmstudio"


@dataclass(frozen=True)
class ServedModel:
    """One entry of a server's model list; `context_window` when the entry says it."""

    id: str
    context_window: int | None = None


_MISSING = object()
_cache: dict[tuple[str, str, str], tuple[Any, float | None]] = {}  # key -> (body, expiry)
_lock = threading.Lock()
_client: Any = None  # httpx.Client, made on the first request


def clear_cache() -> None:
    """Forget every cached answer (tests; a long-lived process never needs it)."""
    with _lock:
        _cache.clear()


def root_of(base_url: str) -> str:
    """`http://host:8080/v1` -> `http://host:8080` (the server's own endpoints live there)."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def _http() -> Any:
    """One httpx client for the process (making one costs tens of milliseconds)."""
    global _client
    with _lock:
        if _client is None:
            import httpx

            _client = httpx.Client(timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT))
        return _client


def _request(
    method: str, url: str, body: dict[str, Any] | None, api_key: str | None, headers: dict[str, str] | None
) -> Any:
    """The JSON body of a 2xx answer, else None; never raises."""
    try:
        if headers is None:
            headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        response = _http().request(method, url, json=body, headers=headers)
        if not response.is_success:
            return None
        return response.json()
    except Exception:  # unreachable, timed out, not JSON: unknown
        return None


def _fetch(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    api_key: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """`_request`, cached: answers for the process, failures for FAILURE_TTL seconds.

    `headers` replace the default `Authorization: Bearer <api_key>`.
    """
    key = (method, url, json.dumps(body, sort_keys=True) if body is not None else "")
    now = time.monotonic()
    with _lock:
        cached, expiry = _cache.get(key, (_MISSING, None))
    if cached is not _MISSING and (expiry is None or now < expiry):
        return cached
    data = _request(method, url, body, api_key, headers)
    with _lock:
        _cache[key] = (data, None if data is not None else now + FAILURE_TTL)
    return data


def positive_int(value: Any) -> int | None:
    """A window size from JSON: a positive int (or a string of digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return positive_int(int(value.strip()))
    return None


def _window_of_entry(entry: dict[str, Any]) -> int | None:
    for name in WINDOW_FIELDS:
        size = positive_int(entry.get(name))
        if size:
            return size
    return None


def served_models(base_url: str, api_key: str | None = None) -> list[ServedModel]:
    """The entries of `GET {base_url}/models` (OpenAI's list shape); [] when unknown."""
    data = _fetch("GET", f"{base_url.rstrip('/')}/models", api_key=api_key)
    entries = data.get("data") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        return []
    out: list[ServedModel] = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
            out.append(ServedModel(entry["id"], _window_of_entry(entry)))
    return out


def listed_models(kind: str, base_url: str, api_key: str | None = None) -> list[str] | None:
    """The model ids a provider lists, or None when the list cannot be had (unreachable,
    refused, another shape, empty). `kind` "anthropic" asks the Anthropic protocol's list."""
    if kind == "anthropic":
        url = f"{root_of(base_url)}/v1/models?limit=1000"
        headers = {"anthropic-version": "2023-06-01", **({"x-api-key": api_key} if api_key else {})}
        data = _fetch("GET", url, api_key=api_key, headers=headers)
        entries = data.get("data") if isinstance(data, dict) else None
        ids = [e["id"] for e in entries or [] if isinstance(e, dict) and isinstance(e.get("id"), str) and e["id"]]
    else:
        ids = [m.id for m in served_models(base_url, api_key)]
    return ids or None


def _from_list(base_url: str, model: str, api_key: str | None) -> int | None:
    for entry in served_models(base_url, api_key):
        if entry.id == model:
            return entry.context_window
    return None


def _from_llamacpp(root: str, api_key: str | None) -> int | None:
    data = _fetch("GET", f"{root}/props", api_key=api_key)
    if not isinstance(data, dict):
        return None
    settings = data.get("default_generation_settings")
    if isinstance(settings, dict) and positive_int(settings.get("n_ctx")):
        return positive_int(settings.get("n_ctx"))
    return positive_int(data.get("n_ctx"))


def _from_ollama(root: str, model: str, api_key: str | None) -> int | None:
    data = _fetch("POST", f"{root}/api/show", {"model": model}, api_key)
    if not isinstance(data, dict):
        return None
    parameters = data.get("parameters")
    if isinstance(parameters, str):
        for line in parameters.splitlines():
            name, _, value = line.strip().partition(" ")
            if name == "num_ctx" and positive_int(value.strip()):
                return positive_int(value.strip())
    info = data.get("model_info")
    if not isinstance(info, dict):
        return None
    arch = info.get("general.architecture")
    if isinstance(arch, str) and positive_int(info.get(f"{arch}.context_length")):
        return positive_int(info.get(f"{arch}.context_length"))
    sizes = [positive_int(v) for k, v in info.items() if isinstance(k, str) and k.endswith(".context_length")]
    return next((s for s in sizes if s), None)


def _from_lmstudio(root: str, model: str, api_key: str | None) -> int | None:
    data = _fetch("GET", f"{root}/api/v0/models/{quote(model, safe='')}", api_key=api_key)
    if not isinstance(data, dict):
        return None
    return positive_int(data.get("loaded_context_length")) or positive_int(data.get("max_context_length"))


def context_window(kind: str, base_url: str, model: str, api_key: str | None = None) -> int | None:
    """The context window the server at `base_url` gives `model`; None when it does not say.

    `kind` is the provider name: "llamacpp", "ollama" and "lmstudio" are asked their
    own endpoint first; every kind then falls back to the model list, and an
    OpenAI-compatible server of unknown kind also to `/props` (llama.cpp's server
    behind OPENAI_BASE_URL).
    """
    root = root_of(base_url)
    if kind == LLAMACPP:
        size = _from_llamacpp(root, api_key)
    elif kind == OLLAMA:
        size = _from_ollama(root, model, api_key)
    elif kind == LMSTUDIO:
        size = _from_lmstudio(root, model, api_key)
    else:
        size = None
    size = size or _from_list(base_url, model, api_key)
    if size is None and kind == "openai":
        size = _from_llamacpp(root, api_key)
    return size
