"""Checking a URL before it is fetched (https upgrade, local hosts, refusals) and the
failures a fetch can meet, as the one line the model reads."""

from __future__ import annotations

import socket

import httpx
import pytest

from letta_code.tools.base import ToolError
from letta_code.tools.web.fetch import Page as Fetched
from letta_code.tools.web.fetch import check_url, fetch, local_host
from letta_code.tools.web.net import describe_failure
from tests.tools.web.site import Page, Site


@pytest.mark.parametrize(
    ("url", "fetched", "host"),
    [
        ("http://example.com/a?b=1#c", "https://example.com/a?b=1#c", "example.com"),
        ("HTTP://Docs.Example.COM/x", "https://Docs.Example.COM/x", "docs.example.com"),
        ("https://example.com./", "https://example.com./", "example.com"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/", "127.0.0.1"),
        ("http://localhost:3000/app", "http://localhost:3000/app", "localhost"),
        ("http://192.168.1.5/", "http://192.168.1.5/", "192.168.1.5"),
        ("http://[::1]:9000/", "http://[::1]:9000/", "::1"),
        ("https://bücher.de/", "https://bücher.de/", "xn--bcher-kva.de"),
    ],
)
def test_http_is_upgraded_to_https_except_for_local_hosts(url: str, fetched: str, host: str) -> None:
    assert check_url(url) == (fetched, host)


def test_local_hosts() -> None:
    assert all(local_host(h) for h in ("localhost", "app.localhost", "127.0.0.1", "10.0.0.2", "::1", "169.254.1.1"))
    assert not any(local_host(h) for h in ("example.com", "8.8.8.8", "localhost.example.com"))


def test_a_slow_server_times_out_in_one_line(site: Site) -> None:
    site.pages["/slow"] = Page("<p>late</p>", delay=2.0)
    with pytest.raises(ToolError) as err:
        fetch(site.url("/slow"), timeout=0.3)
    assert str(err.value) == "timed out after 0.3 s waiting for 127.0.0.1"


def test_a_page_without_a_content_type_is_read_when_it_is_text(site: Site) -> None:
    site.pages["/bare"] = Page("<!DOCTYPE html><p>hi</p>", content_type=None)
    site.pages["/blob"] = Page(b"\x00\x01\x02binary", content_type=None)
    page = fetch(site.url("/bare"))
    assert isinstance(page, Fetched) and page.content_type == "text/html"
    with pytest.raises(ToolError, match="binary content without a content type"):
        fetch(site.url("/blob"))


def test_a_dns_failure_says_the_host_could_not_be_resolved() -> None:
    # The exception chain httpx raises when getaddrinfo fails (no lookup leaves this machine).
    lookup = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    exc = httpx.ConnectError("[Errno -2] Name or service not known")
    exc.__cause__ = lookup
    line = describe_failure(exc, "https://no-such-host.example/x")
    assert line == "could not resolve the host no-such-host.example (DNS lookup failed)"


def test_a_redirect_to_a_non_web_scheme_is_refused(site: Site) -> None:
    site.pages["/r"] = Page(status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(ToolError, match="redirects to 'file:///etc/passwd', which cannot be fetched"):
        fetch(site.url("/r"))
