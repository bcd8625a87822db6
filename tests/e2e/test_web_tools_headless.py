"""The web tools through the real `letta -p`: the scripted model calls WebFetch on a page
served on 127.0.0.1; an allow rule lets the page reach the model, and without one (or with
a deny rule) the page is never fetched and never reaches it. WebSearch is offered only
with a search provider, and an agent linked by an earlier version gets the new tools."""

from __future__ import annotations

import asyncio
import json

import pytest

from letta_code.client.embedded import EmbeddedBackend
from letta_code.testing import ModelServer, Reply
from letta_code.tools.registry import ADDED_LATER, ALL_TOOL_NAMES
from tests.conftest import Letta
from tests.tools.web.site import Page, Site, json_page

MODEL = ["-m", "openai/gpt-4.1"]
SECRET = "The launch code is 4-8-15-16-23-42."


def tool_results(model_server: ModelServer) -> list[str]:
    return [m["content"] for m in model_server.last_messages() if m.get("role") == "tool"]


def test_an_allowed_fetch_brings_the_page_to_the_model(letta: Letta, model_server: ModelServer, site: Site) -> None:
    site.pages["/launch"] = Page(f"<html><title>Launch</title><body><h1>Codes</h1><p>{SECRET}</p></body></html>")
    call = ("WebFetch", {"url": site.url("/launch"), "prompt": "the launch code"})
    model_server.script([Reply(tool_calls=[call]), Reply(text="Got it.")])
    proc = letta.run("-p", "read the launch page", "--allowedTools", "WebFetch(domain:127.0.0.1)", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Got it.\n"
    [result] = tool_results(model_server)
    assert result.startswith(f"URL: {site.url('/launch')}\nTitle: Launch\n") and SECRET in result
    assert site.paths() == ["/launch"]


@pytest.mark.parametrize(
    "flags",
    [
        [],  # default mode, no rule: headless cannot ask, so the call is refused
        ["--allowedTools", "WebFetch(domain:example.com)"],  # a rule for another domain
        ["--yolo", "--disallowedTools", "WebFetch(domain:127.0.0.1)"],  # a deny rule beats bypass
    ],
    ids=["no-rule", "other-domain", "deny-rule"],
)
def test_a_refused_fetch_never_reaches_the_page(
    letta: Letta, model_server: ModelServer, site: Site, flags: list[str]
) -> None:
    site.pages["/launch"] = Page(f"<p>{SECRET}</p>")
    call = ("WebFetch", {"url": site.url("/launch"), "prompt": "the launch code"})
    model_server.script([Reply(tool_calls=[call]), Reply(text="Could not read it.")])
    proc = letta.run("-p", "read the launch page", *flags, *MODEL)
    assert proc.returncode == 0, proc.stderr
    [result] = tool_results(model_server)
    assert result.startswith("Permission denied"), result
    if not flags:
        assert '--allowedTools "WebFetch(domain:127.0.0.1)"' in result
    assert site.requests == []
    assert "4-8-15-16-23-42" not in json.dumps(model_server.model_requests)


def test_websearch_is_offered_only_with_a_provider(letta: Letta, model_server: ModelServer, site: Site) -> None:
    model_server.script([Reply(text="hi")])
    proc = letta.run("-p", "hello", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "WebFetch" in model_server.last_tools() and "WebSearch" not in model_server.last_tools()

    site.pages["/brave"] = json_page(
        {"web": {"results": [{"title": "Frob", "url": "https://frob.dev/", "description": "d"}]}}
    )
    letta.env.update({"BRAVE_API_KEY": "bk", "BRAVE_API_URL": site.url("/brave")})
    model_server.script([Reply(tool_calls=[("WebSearch", {"query": "frob"})]), Reply(text="found")])
    proc = letta.run("-p", "search frob", "--allowedTools", "WebSearch", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "WebSearch" in model_server.last_tools()
    assert tool_results(model_server) == ['Results for "frob" from Brave Search:\n\n1. [Frob](https://frob.dev/)\n   d']
    assert site.requests[0].headers["x-subscription-token"] == "bk"


def test_asking_for_websearch_without_a_provider_says_how_to_enable_it(letta: Letta) -> None:
    proc = letta.run("-p", "hello", "--tools", "Read,WebSearch", *MODEL)
    assert proc.returncode != 0
    assert "--tools: WebSearch: web search is not configured. To enable it, set BRAVE_API_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_provider_missing_its_key_leaves_websearch_out_but_every_session_starts(
    letta: Letta, model_server: ModelServer
) -> None:
    letta.env["LETTA_WEB_SEARCH_PROVIDER"] = "tavily"  # and no TAVILY_API_KEY
    model_server.script([Reply(text="hi")])
    proc = letta.run("-p", "hello", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "WebSearch is not offered: web search provider tavily needs an API key" in proc.stderr
    assert "WebFetch" in model_server.last_tools() and "WebSearch" not in model_server.last_tools()
    proc = letta.run("-p", "hello", "--tools", "WebSearch", *MODEL)  # asked for by name: refused, saying why
    assert proc.returncode != 0 and "--tools: WebSearch: web search provider tavily needs an API key" in proc.stderr


def test_an_agent_linked_by_an_earlier_version_gets_the_new_tools(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="one")])
    first = json.loads(letta.run("-p", "hi", "--output-format", "json", *MODEL).stdout)
    older = [t for t in ALL_TOOL_NAMES if t not in ADDED_LATER]

    async def set_tools(tools: list[str]) -> list[str]:
        backend = EmbeddedBackend(letta.home / "letta.db", model_server.env())
        agent = await backend.update_agent(first["agent_id"], tools=tools)
        await backend.close()
        return agent.tools

    asyncio.run(set_tools([*older, "memory_insert"]))  # as an earlier version left it
    model_server.script([Reply(text="two")])
    proc = letta.run("-p", "hi again", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "WebFetch" in model_server.last_tools()

    async def stored() -> list[str]:
        backend = EmbeddedBackend(letta.home / "letta.db", model_server.env())
        agent = await backend.find_agent(first["agent_id"])
        await backend.close()
        assert agent is not None
        return agent.tools

    tools = asyncio.run(stored())
    assert set(ADDED_LATER) <= set(tools) and "memory_insert" in tools
    # An unlinked agent (none of the coding tools) stays without them.
    asyncio.run(set_tools(["memory_insert"]))
    model_server.script([Reply(text="three")])
    assert letta.run("-p", "hi", *MODEL).returncode == 0
    assert "WebFetch" not in model_server.last_tools()
