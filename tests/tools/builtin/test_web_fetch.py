"""WebFetch against a real web site on 127.0.0.1: HTML as Markdown, text and JSON as they
are, redirects (same host followed, another host reported), the size cap, error lines,
and a long page cut to the parts the prompt asks about."""

from __future__ import annotations

import json
import socket

import pytest

from letta_code.tools.base import ToolSession
from letta_code.tools.web.fetch import MAX_BYTES, MAX_REDIRECTS
from tests.tools.conftest import call
from tests.tools.web.site import Page, Site

ARTICLE = """<!doctype html><html><head><title>The Frobnicator</title>
<style>body { color: red }</style><script>var secret = "do-not-show";</script></head>
<body><nav><a href="/">Home</a></nav><h1>Frobnicator manual</h1>
<p>Install it with <code>pip install frob</code>, then read <a href="/docs/usage">usage</a>.</p>
<ul><li>fast</li><li>small</li></ul></body></html>"""


def test_html_becomes_markdown_with_title_and_absolute_links(site: Site, session: ToolSession) -> None:
    site.pages["/manual"] = Page(ARTICLE)
    result = call("WebFetch", {"url": site.url("/manual"), "prompt": "how to install"}, session)
    assert result.status == "success", result.output
    assert result.output.startswith(f"URL: {site.url('/manual')}\nTitle: The Frobnicator\n\n")
    assert "# Frobnicator manual" in result.output
    assert "Install it with `pip install frob`" in result.output
    assert f"[usage]({site.url('/docs/usage')})" in result.output
    assert "- fast\n- small" in result.output
    assert "do-not-show" not in result.output and "color: red" not in result.output
    assert site.requests[0].headers["accept"].startswith("text/html")


def test_plain_text_and_json_come_back_as_they_are(site: Site, session: ToolSession) -> None:
    site.pages["/notes.txt"] = Page("line one\n  <b>not html</b>\n", content_type="text/plain")
    site.pages["/api"] = Page(json.dumps({"name": "frob", "version": "1.2"}), content_type="application/json")
    text = call("WebFetch", {"url": site.url("/notes.txt")}, session)
    assert text.status == "success" and text.output.endswith("\n\nline one\n  <b>not html</b>\n"), text.output
    data = call("WebFetch", {"url": site.url("/api")}, session)
    assert data.status == "success" and '{"name": "frob", "version": "1.2"}' in data.output


def test_a_redirect_on_the_same_host_is_followed(site: Site, session: ToolSession) -> None:
    site.pages["/old"] = Page(status=301, headers={"Location": "/new"})
    site.pages["/new"] = Page("<p>moved here</p>")
    result = call("WebFetch", {"url": site.url("/old")}, session)
    assert result.status == "success", result.output
    assert result.output.startswith(f"URL: {site.url('/new')}\n") and "moved here" in result.output


def test_a_redirect_to_another_host_is_reported_not_followed(site: Site, session: ToolSession) -> None:
    elsewhere = site.url("/secret", host="localhost")  # the same server, another host name
    site.pages["/hop"] = Page(status=302, headers={"Location": elsewhere})
    site.pages["/secret"] = Page("<p>the other host's page</p>")
    result = call("WebFetch", {"url": site.url("/hop")}, session)
    assert result.status == "success"
    assert f"redirects (HTTP 302) to another host: {elsewhere}" in result.output
    assert "call WebFetch with that URL" in result.output
    assert "other host's page" not in result.output
    assert site.paths() == ["/hop"]


def test_a_redirect_loop_stops(site: Site, session: ToolSession) -> None:
    site.pages["/loop"] = Page(status=302, headers={"Location": "/loop"})
    result = call("WebFetch", {"url": site.url("/loop")}, session)
    assert result.status == "error"
    assert f"redirects more than {MAX_REDIRECTS} times" in result.output
    assert len(site.requests) == MAX_REDIRECTS + 1


def test_a_page_over_the_size_cap_is_refused_with_its_size(site: Site, session: ToolSession) -> None:
    site.pages["/big"] = Page(b"x", no_length=True, headers={"Content-Length": "7340032"}, content_type="text/plain")
    site.pages["/stream"] = Page(b"y" * (MAX_BYTES + 10), no_length=True, content_type="text/plain")
    declared = call("WebFetch", {"url": site.url("/big")}, session)
    assert declared.status == "error"
    assert "is 7,340,032 bytes, more than the 5,242,880 bytes WebFetch downloads" in declared.output
    streamed = call("WebFetch", {"url": site.url("/stream")}, session)
    assert streamed.status == "error" and "more than the 5,242,880 bytes" in streamed.output


@pytest.mark.parametrize(("status", "reason"), [(404, "Not Found"), (500, "Internal Server Error"), (403, "Forbidden")])
def test_http_errors_name_the_status(site: Site, session: ToolSession, status: int, reason: str) -> None:
    site.pages["/x"] = Page("<p>nope</p>", status=status)
    result = call("WebFetch", {"url": site.url("/x")}, session)
    assert result.status == "error"
    assert result.output == f"Error: HTTP {status} {reason} from {site.url('/x')}"


def test_binary_content_is_refused_by_type(site: Site, session: ToolSession) -> None:
    site.pages["/logo.png"] = Page(b"\x89PNG\r\n\x1a\n\x00\x00", content_type="image/png")
    result = call("WebFetch", {"url": site.url("/logo.png")}, session)
    assert result.status == "error"
    assert "is image/png, not a web page or text" in result.output


def test_connection_refused_is_one_clear_line(session: ToolSession) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = call("WebFetch", {"url": f"http://127.0.0.1:{port}/"}, session)
    assert result.output == f"Error: connection refused by 127.0.0.1 port {port} (nothing is listening there)"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("example.com/page", "must be an http:// or https:// URL"),
        ("ftp://example.com/file", "must be an http:// or https:// URL"),
        ("file:///etc/passwd", "must be an http:// or https:// URL"),
        ("https://user:pw@example.com/", "must not carry a user name or password"),
        ("https://example.com\\@127.0.0.1/", "must not contain spaces, control characters or backslashes"),
        ("https:///nohost", "has no host name"),
        ("https://example.com:99999/", "is not a valid URL"),
    ],
)
def test_bad_urls_are_refused_before_any_request(session: ToolSession, url: str, expected: str) -> None:
    result = call("WebFetch", {"url": url}, session)
    assert result.status == "error" and expected in result.output, result.output


def _long_page() -> str:
    sections = [f"<h2>Chapter {i}</h2><p>{'Filler words about nothing much. ' * 60}</p>" for i in range(60)]
    sections[41] = "<h2>Configuring the flux capacitor</h2><p>Set FLUX_LEVEL=88 in capacitor.toml.</p>"
    return "<html><body><h1>Big manual</h1><p>Welcome.</p>" + "".join(sections) + "</body></html>"


def test_a_long_page_keeps_the_parts_the_prompt_asks_about(site: Site, session: ToolSession) -> None:
    site.pages["/manual"] = Page(_long_page())
    result = call("WebFetch", {"url": site.url("/manual"), "prompt": "how do I configure the flux capacitor?"}, session)
    assert result.status == "success"
    assert "Set FLUX_LEVEL=88 in capacitor.toml." in result.output
    assert "# Big manual" in result.output  # the opening part stays
    assert "more than the 40,000 shown at most" in result.output
    assert "best match the prompt (words: configure, flux, capacitor)" in result.output
    assert "Left out:" in result.output and "Chapter 3" in result.output  # named among the left-out headings
    assert len(result.output) < 45_000


def test_a_long_page_without_a_matching_word_shows_its_start_and_says_so(site: Site, session: ToolSession) -> None:
    site.pages["/manual"] = Page(_long_page())
    result = call("WebFetch", {"url": site.url("/manual"), "prompt": "zebra migration"}, session)
    assert result.status == "success"
    assert "no word of the prompt occurs on the page" in result.output
    assert "## Chapter 0" in result.output and "Set FLUX_LEVEL" not in result.output
    assert "Left out:" in result.output and len(result.output) < 45_000
