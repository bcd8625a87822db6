"""HTTP for the web tools: the client they share, and a failed request as one clear line.

httpx is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import socket
import ssl
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

TIMEOUT_SECONDS = 30.0
USER_AGENT = "letta-code/web-tools (a coding agent fetching a page for its user)"
_DNS_WORDS = ("name or service not known", "nodename nor servname", "getaddrinfo failed", "name resolution")


def make_client(timeout: float = TIMEOUT_SECONDS) -> httpx.Client:
    """An httpx client that follows no redirect itself (the caller decides each hop)."""
    import httpx

    return httpx.Client(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
    )


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def describe_failure(exc: Exception, url: str, timeout: float = TIMEOUT_SECONDS) -> str:
    """What went wrong reaching `url`, in one line: DNS, refused, TLS, timeout, a broken connection."""
    import httpx

    parts = urlsplit(url)
    host = parts.hostname or url
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain).lower()
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g} s waiting for {host}"
    if any(isinstance(e, socket.gaierror) for e in chain) or any(w in text for w in _DNS_WORDS):
        return f"could not resolve the host {host} (DNS lookup failed)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in text:
        return f"connection refused by {host} port {port} (nothing is listening there)"
    if any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in text:
        return f"TLS failed talking to {host}: {exc}"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {host} port {port}: {exc}"
    if isinstance(exc, httpx.TooManyRedirects | httpx.DecodingError | httpx.RemoteProtocolError | httpx.ReadError):
        return f"the response from {host} could not be read: {exc}"
    return f"the request to {host} failed: {type(exc).__name__}: {exc}"


def http_status_line(status: int, reason: str, url: str) -> str:
    """`HTTP 404 Not Found from https://...`."""
    return f"HTTP {status} {reason} from {url}".replace("  ", " ")
