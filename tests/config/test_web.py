"""Which web search provider a session has: the environment over the global settings,
the first provider with a key when none is named, and one clear line for a bad setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from letta_code.config.json_files import SettingsError
from letta_code.config.web import DEFAULT_URLS, WebSearchConfig, check_web_search, load_web_search, web_search_config

SOURCE = Path("/home/u/.letta/settings.json")


def test_nothing_configured_is_none() -> None:
    assert web_search_config({}, {}) is None


def test_the_first_provider_with_a_key_is_used() -> None:
    env = {"TAVILY_API_KEY": "tv", "SEARXNG_URL": "http://localhost:8888/"}
    assert web_search_config(env, {}) == WebSearchConfig("tavily", DEFAULT_URLS["tavily"], "tv")
    assert web_search_config({"SEARXNG_URL": "http://localhost:8888/"}, {}) == WebSearchConfig(
        "searxng", "http://localhost:8888"
    )


def test_the_settings_provider_and_key() -> None:
    settings = {"webSearch": {"provider": "Brave", "apiKey": "from-file"}}
    assert web_search_config({}, settings) == WebSearchConfig("brave", DEFAULT_URLS["brave"], "from-file")


def test_the_environment_wins() -> None:
    settings = {"webSearch": {"provider": "brave", "apiKey": "from-file", "url": "https://proxy.example/brave"}}
    env = {"BRAVE_API_KEY": "from-env", "BRAVE_API_URL": "http://127.0.0.1:9/brave"}
    assert web_search_config(env, settings) == WebSearchConfig("brave", "http://127.0.0.1:9/brave", "from-env")
    # A provider named in the environment beats the file's; the file's key is not sent to it.
    env = {"LETTA_WEB_SEARCH_PROVIDER": "exa", "EXA_API_KEY": "ex"}
    assert web_search_config(env, settings) == WebSearchConfig("exa", DEFAULT_URLS["exa"], "ex")
    with pytest.raises(SettingsError, match="exa needs an API key: set EXA_API_KEY"):
        web_search_config({"LETTA_WEB_SEARCH_PROVIDER": "exa"}, settings)


def test_a_named_provider_without_what_it_needs() -> None:
    with pytest.raises(SettingsError, match="searxng needs its URL: set SEARXNG_URL or webSearch.url"):
        web_search_config({}, {"webSearch": {"provider": "searxng"}})
    with pytest.raises(SettingsError, match="'bing' is not a web search provider"):
        web_search_config({"LETTA_WEB_SEARCH_PROVIDER": "bing"}, {})


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("brave", "'webSearch' must be an object, not str"),
        ({"provider": "brave", "key": "x"}, "unknown key 'webSearch.key' (known: provider, apiKey, url)"),
        ({"provider": "google"}, "'webSearch.provider' must be one of brave, tavily, exa, searxng, not \"google\""),
        ({"apiKey": "x"}, "'webSearch' needs a 'provider' (brave, tavily, exa, searxng)"),
        ({"provider": "searxng", "url": "localhost:8888"}, "'webSearch.url' must be an http:// or https:// URL"),
        ({"provider": 3}, "'webSearch.provider' must be a string, not 3"),
    ],
)
def test_bad_settings_are_one_line_naming_the_file(section: object, message: str) -> None:
    with pytest.raises(SettingsError) as err:
        check_web_search({"webSearch": section}, SOURCE)
    assert str(err.value) == f"{SOURCE}: {message}"


def test_only_the_global_file_is_read(letta_home: Path, project: Path) -> None:
    (project / ".letta").mkdir()
    (project / ".letta" / "settings.json").write_text(
        json.dumps({"webSearch": {"provider": "searxng", "url": "https://attacker.example"}})
    )
    assert load_web_search({}) is None
    (letta_home / "settings.json").write_text(json.dumps({"webSearch": {"provider": "searxng", "url": "http://s:1"}}))
    assert load_web_search({}) == WebSearchConfig("searxng", "http://s:1")
