"""WebSearch as the model calls it: configured by the environment or the global settings,
results as a numbered Markdown list, domain lists, and how to enable it when unconfigured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from letta_code.config.web import PROVIDER_VAR
from letta_code.tools.base import ToolSession
from tests.tools.conftest import call
from tests.tools.web.site import Site, json_page

RESULTS = {
    "web": {
        "results": [
            {"title": "Frob manual", "url": "https://frob.dev/manual", "description": "How to <b>frob</b>."},
            {"title": "Frob on a forum", "url": "https://forum.example.net/t/1", "description": "Questions"},
        ]
    }
}


@pytest.fixture(autouse=True)
def no_provider(letta_home: Path) -> Path:
    """The home whose global settings may name a provider (tests/conftest.py clears the environment's)."""
    return letta_home


def test_brave_results_as_a_numbered_list(site: Site, session: ToolSession, monkeypatch: pytest.MonkeyPatch) -> None:
    site.pages["/brave"] = json_page(RESULTS)
    monkeypatch.setenv("BRAVE_API_KEY", "bk")
    monkeypatch.setenv("BRAVE_API_URL", site.url("/brave"))
    result = call("WebSearch", {"query": "how to frob"}, session)
    assert result.status == "success", result.output
    assert result.output == (
        'Results for "how to frob" from Brave Search:\n\n'
        "1. [Frob manual](https://frob.dev/manual)\n   How to frob.\n"
        "2. [Frob on a forum](https://forum.example.net/t/1)\n   Questions"
    )


def test_domain_lists_filter_the_results(site: Site, session: ToolSession, monkeypatch: pytest.MonkeyPatch) -> None:
    site.pages["/brave"] = json_page(RESULTS)
    monkeypatch.setenv("BRAVE_API_KEY", "bk")
    monkeypatch.setenv("BRAVE_API_URL", site.url("/brave"))
    result = call("WebSearch", {"query": "frob", "blocked_domains": ["example.net"]}, session)
    assert "frob.dev/manual" in result.output and "forum.example.net" not in result.output
    assert result.output.endswith("(1 more result left out by the domain lists.)")
    assert site.requests[0].query["count"] == ["20"]  # asked for more, as Brave filters nothing itself
    only = call("WebSearch", {"query": "frob", "allowed_domains": ["nowhere.org"]}, session)
    assert only.output.startswith('No results for "frob" from Brave Search.')
    bad = call("WebSearch", {"query": "frob", "allowed_domains": ["not a domain"]}, session)
    assert bad.status == "error" and "'allowed_domains' holds 'not a domain'" in bad.output


def test_searxng_from_the_global_settings(site: Site, session: ToolSession, no_provider: Path) -> None:
    site.pages["/search"] = json_page({"results": [{"title": "S", "url": "https://s.org/", "content": "c"}]})
    (no_provider / "settings.json").write_text(json.dumps({"webSearch": {"provider": "searxng", "url": site.url("")}}))
    result = call("WebSearch", {"query": "anything"}, session)
    assert result.output.startswith('Results for "anything" from SearXNG:\n\n1. [S](https://s.org/)')


def test_without_a_provider_the_result_says_how_to_enable_it(session: ToolSession) -> None:
    result = call("WebSearch", {"query": "frob"}, session)
    assert result.status == "error"
    assert result.output.startswith("Error: web search is not configured. To enable it, set BRAVE_API_KEY")
    assert "docs/web-tools.md" in result.output


def test_a_provider_without_its_key_names_the_missing_variable(
    session: ToolSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PROVIDER_VAR, "tavily")
    result = call("WebSearch", {"query": "frob"}, session)
    assert result.output == "Error: web search provider tavily needs an API key: set TAVILY_API_KEY or webSearch.apiKey"
