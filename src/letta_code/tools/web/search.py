"""The web search providers WebSearch sends a query to: Brave, Tavily, Exa and SearXNG.

Each gets one request (its URL from `config/web.py`, overridable for a local server) and
answers title, URL and snippet per result. Tavily and Exa take the allowed and blocked
domains themselves; every provider's results are filtered here as well, so the lists
hold whichever provider answers (Brave and SearXNG are asked for more results then).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from letta_code.config.hosts import host_in_domain, normalize_host, url_host
from letta_code.config.web import KEY_VARS, SETTINGS_KEY, WebSearchConfig
from letta_code.tools.base import ToolError
from letta_code.tools.web.net import describe_failure, http_status_line, make_client

if TYPE_CHECKING:
    import httpx

MAX_RESULTS = 10
_SNIPPET_CHARS = 300
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
NAMES = {"brave": "Brave Search", "tavily": "Tavily", "exa": "Exa", "searxng": "SearXNG"}


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    snippet: str


def domain_of(entry: str) -> str | None:
    """A domain the model gave (`example.com`, `*.example.com`, `https://example.com/docs`)."""
    text = entry.strip()
    if "://" in text:
        return url_host(text)
    star = text.startswith("*.")
    host = normalize_host(text[2:] if star else text.split("/")[0])
    return f"*.{host}" if host and star else host


def keep(hit: Hit, allowed: list[str], blocked: list[str]) -> bool:
    host = url_host(hit.url)
    if host is None:
        return False
    if any(host_in_domain(host, d) for d in blocked):
        return False
    return not allowed or any(host_in_domain(host, d) for d in allowed)


def search(config: WebSearchConfig, query: str, allowed: list[str], blocked: list[str]) -> tuple[list[Hit], int]:
    """The results for `query` (at most `MAX_RESULTS`) and how many the domain lists left out."""
    import httpx

    filtered = bool(allowed or blocked)
    count = MAX_RESULTS * 2 if filtered and config.provider in ("brave", "searxng") else MAX_RESULTS
    url = config.url + "/search" if config.provider == "searxng" else config.url
    with make_client() as client:
        try:
            response = _send(client, config, url, query, count, allowed, blocked)
        except httpx.HTTPError as exc:
            raise ToolError(f"{NAMES[config.provider]}: {describe_failure(exc, url)}") from None
    if response.status_code >= 400:
        raise ToolError(_refused(config, response, url))
    try:
        data = response.json()
    except ValueError:
        raise ToolError(f"{NAMES[config.provider]} at {url} did not answer JSON") from None
    hits = _parse(config.provider, data)
    kept = [h for h in hits if keep(h, allowed, blocked)]
    return kept[:MAX_RESULTS], len(hits) - len(kept)


def _send(
    client: httpx.Client,
    config: WebSearchConfig,
    url: str,
    query: str,
    count: int,
    allowed: list[str],
    blocked: list[str],
) -> httpx.Response:
    plain_allowed = [d.removeprefix("*.") for d in allowed]
    plain_blocked = [d.removeprefix("*.") for d in blocked]
    if config.provider == "brave":
        headers = {"Accept": "application/json", "X-Subscription-Token": config.api_key or ""}
        return client.get(url, params={"q": query, "count": count}, headers=headers)
    if config.provider == "searxng":
        return client.get(url, params={"q": query, "format": "json"}, headers={"Accept": "application/json"})
    if config.provider == "tavily":
        body: dict[str, Any] = {"query": query, "max_results": count, "search_depth": "basic"}
        if plain_allowed:
            body["include_domains"] = plain_allowed
        if plain_blocked:
            body["exclude_domains"] = plain_blocked
        return client.post(url, json=body, headers={"Authorization": f"Bearer {config.api_key}"})
    body = {"query": query, "numResults": count, "contents": {"text": {"maxCharacters": _SNIPPET_CHARS}}}
    if plain_allowed:
        body["includeDomains"] = plain_allowed
    elif plain_blocked:  # Exa takes one of the two lists; the other is filtered here
        body["excludeDomains"] = plain_blocked
    return client.post(url, json=body, headers={"x-api-key": config.api_key or ""})


def _refused(config: WebSearchConfig, response: httpx.Response, url: str) -> str:
    name = NAMES[config.provider]
    status = response.status_code
    if config.provider == "searxng" and status == 403:
        return f"{name} at {config.url} answered HTTP 403: its settings.yml must list json in search.formats"
    if status in (401, 403):
        var = KEY_VARS.get(config.provider, "")
        return f"{name} refused the API key (HTTP {status}): check {var} or {SETTINGS_KEY}.apiKey"
    if status == 429:
        return f"{name} is rate limiting the searches (HTTP 429); wait a little, or search less often"
    detail = _clean(response.text, 200)
    return f"{name}: {http_status_line(status, response.reason_phrase, url)}" + (f": {detail}" if detail else "")


def _clean(text: object, limit: int = _SNIPPET_CHARS) -> str:
    if not isinstance(text, str):
        return ""
    plain = _SPACES.sub(" ", html.unescape(_TAGS.sub("", text))).strip()
    return plain if len(plain) <= limit else plain[: limit - 1].rstrip() + "…"


def _items(data: Any, *path: str) -> list[dict[str, Any]]:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _parse(provider: str, data: Any) -> list[Hit]:
    text_keys: tuple[str, ...]
    if provider == "brave":
        items, text_keys = _items(data, "web", "results"), ("description",)
    elif provider == "exa":
        items, text_keys = _items(data, "results"), ("text", "summary", "highlights")
    else:  # tavily and searxng
        items, text_keys = _items(data, "results"), ("content",)
    hits: list[Hit] = []
    for item in items:
        url = item.get("url")
        if not isinstance(url, str) or not url.strip():
            continue
        snippet = ""
        for key in text_keys:
            value = item.get(key)
            if isinstance(value, list):
                value = " … ".join(v for v in value if isinstance(v, str))
            snippet = _clean(value)
            if snippet:
                break
        hits.append(Hit(_clean(item.get("title"), 200) or url.strip(), url.strip(), snippet))
    return hits
