"""WebSearch: a query sent to the configured search provider (Brave, Tavily, Exa, SearXNG;
`config/web.py` says which), the results as a numbered Markdown list.

A session offers this tool only when a provider is configured (`cli/session.py`); called
without one, it answers how to enable it.
"""

from __future__ import annotations

import os
from typing import Any

from letta_code.config.json_files import SettingsError
from letta_code.config.web import HOW_TO_ENABLE, load_web_search
from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool
from letta_code.tools.web.search import NAMES, domain_of, search

_DOMAINS = {"type": "array", "items": {"type": "string"}}


def _domains(args: dict[str, Any], key: str) -> list[str]:
    out: list[str] = []
    for entry in args.get(key) or []:
        domain = domain_of(entry)
        if domain is None:
            raise ToolError(f"'{key}' holds {entry!r}, which is not a domain (like example.com)")
        out.append(domain)
    return out


class WebSearchTool(Tool):
    name = "WebSearch"
    description = "Search the web. Returns titles, URLs and snippets; read a result with WebFetch."
    parameters = {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "allowed_domains": {**_DOMAINS, "description": "only results from these domains"},
            "blocked_domains": {**_DOMAINS, "description": "no results from these domains"},
        },
        "required": ["query"],
    }
    read_only = True

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        query = args["query"].strip()
        if len(query) < 2:
            raise ToolError("'query' must be at least 2 characters")
        allowed, blocked = _domains(args, "allowed_domains"), _domains(args, "blocked_domains")
        try:
            config = load_web_search(os.environ)
        except SettingsError as exc:
            raise ToolError(str(exc)) from None
        if config is None:
            raise ToolError(HOW_TO_ENABLE)
        hits, left_out = search(config, query, allowed, blocked)
        lines = [f'Results for "{query}" from {NAMES[config.provider]}:', ""]
        if not hits:
            lines = [f'No results for "{query}" from {NAMES[config.provider]}.']
        for number, hit in enumerate(hits, 1):
            lines.append(f"{number}. [{hit.title}]({hit.url})")
            if hit.snippet:
                lines.append(f"   {hit.snippet}")
        if left_out:
            lines += ["", f"({left_out} more result{'s' if left_out != 1 else ''} left out by the domain lists.)"]
        return ToolResult("\n".join(lines))
