"""The host of a URL and domain matching, shared by WebFetch's rules and the tool."""

from __future__ import annotations

import pytest

from letta_code.config.hosts import host_in_domain, normalize_host, url_host


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Example.COM/path", "example.com"),
        ("https://example.com./", "example.com"),
        ("http://user@example.com:8080/", "example.com"),
        ("https://bücher.de/", "xn--bcher-kva.de"),
        ("http://[::1]:80/", "::1"),
        ("example.com/path", None),
        ("ftp://example.com/", None),
        ("https:///path", None),
        ("https://[::1/", None),
        (None, None),
    ],
)
def test_url_host(url: object, host: str | None) -> None:
    assert url_host(url) == host


@pytest.mark.parametrize(
    ("host", "domain", "inside"),
    [
        ("example.com", "example.com", True),
        ("docs.example.com", "example.com", True),
        ("docs.example.com", "*.example.com", True),
        ("example.com", "*.example.com", False),
        ("example.com.evil.net", "example.com", False),
        ("notexample.com", "example.com", False),
        ("example.com", "EXAMPLE.com.", True),
        ("127.0.0.1", "127.0.0.1", True),
        ("1.127.0.0.1", "127.0.0.1", False),
        ("xn--bcher-kva.de", "bücher.de", True),
    ],
)
def test_host_in_domain(host: str, domain: str, inside: bool) -> None:
    assert host_in_domain(host, domain) is inside


def test_normalize_host_refuses_what_is_no_host() -> None:
    assert normalize_host("a b") is None and normalize_host("") is None and normalize_host("x/y") is None


@pytest.mark.parametrize(
    ("host", "spelled"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", None),  # a resolver reads these as 127.0.0.1: refused, never matched
        ("2130706433", None),
        ("0x7f.0.0.1", None),
        ("[0:0::1]", "::1"),
        ("faß.de", "xn--fa-hia.de"),  # IDNA 2008, as httpx spells it (IDNA 2003 said fass.de)
        ("host_1.lan", "host_1.lan"),
    ],
)
def test_an_address_has_one_spelling(host: str, spelled: str | None) -> None:
    assert normalize_host(host) == spelled
