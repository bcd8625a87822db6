"""WebFetch: one web page as Markdown (HTML converted, text and JSON as they are), the whole
page when it is short, else the parts that match `prompt` with a note on what was left out.

The fetching rules (https upgrade, redirects, size cap, content types) are in
`tools/web/fetch.py`; a redirect to another host is reported, not followed, so a
permission rule for one domain (`WebFetch(domain:example.com)`) never reaches another.
"""

from __future__ import annotations

from typing import Any

from letta_code.tools.base import ToolResult, ToolSession
from letta_code.tools.core import Tool
from letta_code.tools.web.excerpt import fit
from letta_code.tools.web.fetch import OffHostRedirect, fetch
from letta_code.tools.web.markdown import page_text


class WebFetchTool(Tool):
    name = "WebFetch"
    description = (
        "Fetch a web page (http/https URL) and return it as Markdown. A long page is cut to the "
        "parts matching `prompt`. A redirect to another host is reported, not followed."
    )
    parameters = {
        "type": "object",
        "properties": {
            "url": {"type": "string", "description": "full URL"},
            "prompt": {"type": "string", "description": "what you are looking for on the page"},
        },
        "required": ["url"],
    }
    read_only = True

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        result = fetch(args["url"])
        if isinstance(result, OffHostRedirect):
            return ToolResult(
                f"{result.url} redirects (HTTP {result.status}) to another host: {result.target}\n"
                "Not followed. To read it, call WebFetch with that URL."
            )
        text, title = page_text(result)
        text, note = fit(text, args.get("prompt", ""))
        head = [f"URL: {result.url}"]
        if title:
            head.append(f"Title: {title}")
        if note:
            head.append(note)
        if not text.strip():
            text = "(the page has no text)"
        return ToolResult("\n".join(head) + "\n\n" + text)
