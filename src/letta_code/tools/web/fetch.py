"""Fetching one web page for WebFetch: the URL checked, http upgraded to https, same-host
redirects followed (at most `MAX_REDIRECTS`), a redirect to another host reported instead,
the download capped at `MAX_BYTES`, and only text kinds of content accepted.

The host fetched is the host the permission checker matched (`config/hosts.py` reads
both), so an allow rule for one domain never lets a call reach another: a URL whose
host two parsers could read differently is refused, and so is a redirect off the host.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from letta_code.config.hosts import url_host
from letta_code.tools.base import ToolError
from letta_code.tools.web.net import TIMEOUT_SECONDS, describe_failure, http_status_line, make_client

if TYPE_CHECKING:
    import httpx

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/x-yaml",
        "application/yaml",
        "application/toml",
        "application/x-sh",
        "application/x-ndjson",
        "application/sql",
        "application/graphql",
    }
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_ACCEPT = "text/html, application/xhtml+xml, text/markdown, text/plain, application/json;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class Page:
    """A fetched page: where it ended up, its media type (lowercase, no parameters), its
    charset when the server named one, and the body (at most `MAX_BYTES`)."""

    url: str
    content_type: str
    charset: str | None
    body: bytes


@dataclass(frozen=True)
class OffHostRedirect:
    """`url` redirects (HTTP `status`) to `target` on another host: not followed."""

    url: str
    target: str
    status: int


def local_host(host: str) -> bool:
    """Loopback and private-network hosts: these keep plain http (a dev server has no TLS)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def check_url(raw: str) -> tuple[str, str]:
    """The URL to fetch (http upgraded to https but for local hosts) and its host; ToolError
    saying what is wrong with anything else."""
    import httpx

    url = raw.strip()
    if not url:
        raise ToolError("url must not be empty")
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
        raise ToolError(f"url must not contain spaces, control characters or backslashes: {url!r}")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ToolError(f"url must be an http:// or https:// URL (with its scheme), not {url!r}")
    host = url_host(url)
    if host is None:
        raise ToolError(f"url has no host name: {url!r}")
    if "@" in parts.netloc:
        raise ToolError("url must not carry a user name or password (user@host)")
    try:
        parts.port  # noqa: B018 (a bad port raises)
        checked = httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise ToolError(f"url is not a valid URL: {exc}") from None
    if url_host(str(checked)) != host:
        raise ToolError(f"url names its host ambiguously ({parts.netloc!r}); write it plainly")
    if parts.scheme.lower() == "http" and not local_host(host):
        url = urlunsplit(("https", parts.netloc, parts.path, parts.query, parts.fragment))
    return url, host


def _media_type(header: str) -> tuple[str, str | None]:
    kind, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return kind.strip().lower(), charset


def is_text(content_type: str) -> bool:
    return (
        content_type.startswith("text/")
        or content_type in _TEXT_TYPES
        or content_type.endswith(("+json", "+xml"))  # HTML_TYPES too: text/html, application/xhtml+xml
    )


def fetch(raw_url: str, *, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT_SECONDS) -> Page | OffHostRedirect:
    """GET `raw_url`; a `Page`, an `OffHostRedirect`, or ToolError with one clear line."""
    import httpx

    url, host = check_url(raw_url)
    with make_client(timeout) as client:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                with client.stream("GET", url, headers={"Accept": _ACCEPT}) as response:
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise ToolError(f"HTTP {response.status_code} redirect without a Location from {url}")
                        target = urljoin(url, location)
                        try:
                            next_url, next_host = check_url(target)
                        except ToolError as exc:
                            raise ToolError(f"{url} redirects to {target!r}, which cannot be fetched: {exc}") from None
                        if next_host != host:
                            return OffHostRedirect(url, next_url, response.status_code)
                        url = next_url
                        continue
                    return _read(response, url, max_bytes)
            except httpx.HTTPError as exc:
                raise ToolError(describe_failure(exc, url, timeout)) from None
    raise ToolError(f"too many redirects: {raw_url} redirects more than {MAX_REDIRECTS} times")


def _read(response: httpx.Response, url: str, max_bytes: int) -> Page:
    if response.status_code >= 400:
        raise ToolError(http_status_line(response.status_code, response.reason_phrase, url))
    content_type, charset = _media_type(response.headers.get("content-type", ""))
    if content_type and not is_text(content_type):
        raise ToolError(
            f"{url} is {content_type}, not a web page or text: WebFetch reads HTML, text and JSON "
            f"(for a file to keep, download it with Bash if that is allowed)"
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ToolError(f"{url} is {int(declared):,} bytes, more than the {max_bytes:,} bytes WebFetch downloads")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ToolError(f"{url} is more than the {max_bytes:,} bytes WebFetch downloads (stopped there)")
        chunks.append(chunk)
    body = b"".join(chunks)
    if not content_type:  # no header: text if it looks like text
        if b"\x00" in body[:4096]:
            raise ToolError(f"{url} sent binary content without a content type; WebFetch reads HTML, text and JSON")
        content_type = "text/html" if body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")) else ""
        content_type = content_type or "text/plain"
    return Page(url, content_type, charset, body)
