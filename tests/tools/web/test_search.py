"""Each search provider against a real server on 127.0.0.1: the request it is sent (key,
query, domain lists), its answer read as title, URL and snippet, and its refusals."""

from __future__ import annotations

import pytest

from letta_code.config.web import WebSearchConfig
from letta_code.tools.base import ToolError
from letta_code.tools.web.search import Hit, domain_of, keep, search
from tests.tools.web.site import Page, Request, Site, json_page


def test_brave(site: Site) -> None:
    site.pages["/brave"] = json_page(
        {
            "web": {
                "results": [
                    {
                        "title": "Frob <strong>docs</strong>",
                        "url": "https://frob.dev/docs",
                        "description": "All &amp; more",
                    },
                    {"title": "no url"},
                ]
            }
        }
    )
    hits, left = search(WebSearchConfig("brave", site.url("/brave"), "bk-1"), "frob docs", [], [])
    assert hits == [Hit("Frob docs", "https://frob.dev/docs", "All & more")] and left == 0
    sent = site.requests[0]
    assert sent.method == "GET" and sent.headers["x-subscription-token"] == "bk-1"
    assert sent.query == {"q": ["frob docs"], "count": ["10"]}


def test_tavily_gets_the_domain_lists(site: Site) -> None:
    site.pages["/search"] = json_page({"results": [{"title": "T", "url": "https://a.org/x", "content": "snip"}]})
    config = WebSearchConfig("tavily", site.url("/search"), "tv-1")
    hits, _ = search(config, "q1", ["a.org"], ["*.b.org"])
    assert hits == [Hit("T", "https://a.org/x", "snip")]
    sent = site.requests[0]
    assert sent.headers["authorization"] == "Bearer tv-1"
    assert sent.json() == {
        "query": "q1",
        "max_results": 10,
        "search_depth": "basic",
        "include_domains": ["a.org"],
        "exclude_domains": ["b.org"],
    }


def test_exa(site: Site) -> None:
    site.pages["/exa"] = json_page({"results": [{"title": "E", "url": "https://e.io/", "highlights": ["one", "two"]}]})
    hits, _ = search(WebSearchConfig("exa", site.url("/exa"), "ex-1"), "query", [], ["spam.com"])
    assert hits == [Hit("E", "https://e.io/", "one … two")]
    sent = site.requests[0].json()
    assert site.requests[0].headers["x-api-key"] == "ex-1"
    assert sent["query"] == "query" and sent["numResults"] == 10 and sent["excludeDomains"] == ["spam.com"]


def test_searxng_and_the_filter_for_providers_without_domain_lists(site: Site) -> None:
    results = [
        {"title": "Keep", "url": "https://docs.python.org/3/", "content": "kept"},
        {"title": "Blocked", "url": "https://ads.python.org/", "content": "ad"},
        {"title": "Other", "url": "https://elsewhere.net/", "content": "x"},
    ]
    site.pages["/search"] = json_page({"results": results})
    config = WebSearchConfig("searxng", site.url(""))
    hits, left = search(config, "python", ["python.org"], ["ads.python.org"])
    assert [h.title for h in hits] == ["Keep"] and left == 2
    assert site.requests[0].query == {"q": ["python"], "format": ["json"]}


@pytest.mark.parametrize(
    ("provider", "status", "expected"),
    [
        ("brave", 401, "Brave Search refused the API key (HTTP 401): check BRAVE_API_KEY or webSearch.apiKey"),
        ("tavily", 429, "Tavily is rate limiting the searches (HTTP 429)"),
        ("searxng", 403, "its settings.yml must list json in search.formats"),
        ("exa", 500, "Exa: HTTP 500 Internal Server Error from"),
    ],
)
def test_refusals_are_one_clear_line(site: Site, provider: str, status: int, expected: str) -> None:
    def answer(request: Request) -> Page:
        return json_page({"error": "boom"}, status=status)

    site.pages["/search"] = answer
    base = site.url("") if provider == "searxng" else site.url("/search")
    with pytest.raises(ToolError) as err:
        search(WebSearchConfig(provider, base, "k"), "q", [], [])
    assert expected in str(err.value)


def test_an_answer_that_is_not_json(site: Site) -> None:
    site.pages["/search"] = Page("<html>login</html>")
    with pytest.raises(ToolError, match="did not answer JSON"):
        search(WebSearchConfig("brave", site.url("/search"), "k"), "q", [], [])


def test_domains_the_model_may_write() -> None:
    assert domain_of("Example.com") == "example.com"
    assert domain_of("https://docs.example.com/path") == "docs.example.com"
    assert domain_of("*.example.com") == "*.example.com"
    assert domain_of("example.com/docs") == "example.com"
    assert domain_of("exa mple") is None
    hit = Hit("t", "https://a.example.com/x", "")
    assert keep(hit, ["example.com"], []) and not keep(hit, [], ["example.com"]) and not keep(hit, ["other.com"], [])
