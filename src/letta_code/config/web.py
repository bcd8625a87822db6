"""Which web search provider a session has: the `webSearch` key of the global settings file
and the environment (the environment wins).

```json
{"webSearch": {"provider": "brave", "apiKey": "..."}}
{"webSearch": {"provider": "searxng", "url": "http://localhost:8888"}}
```

Variables: `LETTA_WEB_SEARCH_PROVIDER` names the provider; each provider's key
(`BRAVE_API_KEY`, `TAVILY_API_KEY`, `EXA_API_KEY`) or instance (`SEARXNG_URL`), and the
URL its queries go to (`BRAVE_API_URL`, `TAVILY_API_URL`, `EXA_API_URL`). Without a named
provider the first one that has its key (or URL) is used, in the order of `PROVIDERS`.
Only the global file counts, as for the `env` map: a project's committed settings must
not be able to send the user's searches (or key) elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from letta_code.config import paths
from letta_code.config.json_files import SettingsError, read_json_file

SETTINGS_KEY = "webSearch"
PROVIDER_VAR = "LETTA_WEB_SEARCH_PROVIDER"
PROVIDERS: tuple[str, ...] = ("brave", "tavily", "exa", "searxng")
KEY_VARS: dict[str, str] = {"brave": "BRAVE_API_KEY", "tavily": "TAVILY_API_KEY", "exa": "EXA_API_KEY"}
URL_VARS: dict[str, str] = {
    "brave": "BRAVE_API_URL",
    "tavily": "TAVILY_API_URL",
    "exa": "EXA_API_URL",
    "searxng": "SEARXNG_URL",
}
DEFAULT_URLS: dict[str, str] = {
    "brave": "https://api.search.brave.com/res/v1/web/search",
    "tavily": "https://api.tavily.com/search",
    "exa": "https://api.exa.ai/search",
}
_FIELDS = ("provider", "apiKey", "url")

HOW_TO_ENABLE = (
    "web search is not configured. To enable it, set BRAVE_API_KEY, TAVILY_API_KEY, EXA_API_KEY "
    'or SEARXNG_URL, or add "webSearch": {"provider": "brave", "apiKey": "..."} to '
    "~/.letta/settings.json (see docs/web-tools.md)"
)


@dataclass(frozen=True)
class WebSearchConfig:
    """The provider searches go to: its name, the URL queries are sent to, and its key."""

    provider: str
    url: str
    api_key: str | None = None


def check_web_search(data: Mapping[str, Any], source: Path) -> None:
    """`"webSearch": {"provider": one of PROVIDERS, "apiKey": str, "url": http(s) URL}`, nothing else."""
    if SETTINGS_KEY not in data:
        return
    section = data[SETTINGS_KEY]
    if not isinstance(section, dict):
        raise SettingsError(f"{source}: '{SETTINGS_KEY}' must be an object, not {type(section).__name__}")
    for key, value in section.items():
        if key not in _FIELDS:
            raise SettingsError(f"{source}: unknown key '{SETTINGS_KEY}.{key}' (known: {', '.join(_FIELDS)})")
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{source}: '{SETTINGS_KEY}.{key}' must be a string, not {json.dumps(value)}")
    provider = section.get("provider")
    if section and provider is None:
        raise SettingsError(f"{source}: '{SETTINGS_KEY}' needs a 'provider' ({', '.join(PROVIDERS)})")
    if provider is not None and provider.strip().lower() not in PROVIDERS:
        raise SettingsError(
            f"{source}: '{SETTINGS_KEY}.provider' must be one of {', '.join(PROVIDERS)}, not {json.dumps(provider)}"
        )
    url = section.get("url")
    if url is not None and not url.strip().lower().startswith(("http://", "https://")):
        raise SettingsError(f"{source}: '{SETTINGS_KEY}.url' must be an http:// or https:// URL")


def web_search_config(env: Mapping[str, str], settings: Mapping[str, Any]) -> WebSearchConfig | None:
    """The configured provider (None: none is), from `env` and the global settings' contents.

    A provider named (by `LETTA_WEB_SEARCH_PROVIDER` or `webSearch.provider`) without its key
    or URL raises `SettingsError` saying which variable or key is missing.
    """
    section: Mapping[str, str] = settings.get(SETTINGS_KEY) or {}
    from_settings = (section.get("provider") or "").strip().lower()
    named = (env.get(PROVIDER_VAR) or "").strip().lower() or from_settings
    if named and named not in PROVIDERS:
        raise SettingsError(f"{PROVIDER_VAR}={named!r} is not a web search provider (known: {', '.join(PROVIDERS)})")
    if not named:
        named = next((p for p in PROVIDERS if _given(env, p)), "")
        if not named:
            return None
    own = section if named == from_settings else {}  # the file's key and URL belong to its provider
    url = (env.get(URL_VARS[named]) or own.get("url") or DEFAULT_URLS.get(named, "")).strip()
    if named == "searxng":
        if not url:
            raise SettingsError(f"web search provider searxng needs its URL: set SEARXNG_URL or {SETTINGS_KEY}.url")
        return WebSearchConfig(named, url.rstrip("/"))
    key = (env.get(KEY_VARS[named]) or own.get("apiKey") or "").strip()
    if not key:
        raise SettingsError(
            f"web search provider {named} needs an API key: set {KEY_VARS[named]} or {SETTINGS_KEY}.apiKey"
        )
    return WebSearchConfig(named, url, key)


def load_web_search(env: Mapping[str, str]) -> WebSearchConfig | None:
    """`web_search_config` with the global settings file read (and its `webSearch` checked)."""
    path = paths.global_settings_path()
    data = read_json_file(path)
    check_web_search(data, path)
    return web_search_config(env, data)


def _given(env: Mapping[str, str], provider: str) -> bool:
    var = KEY_VARS.get(provider) or URL_VARS[provider]
    return bool((env.get(var) or "").strip())
