"""The host of a URL and whether it lies in a domain: one copy, shared by the permission
rules (`WebFetch(domain:example.com)`) and the web tools, so the host a rule is matched
against is the host that is fetched. (`config` is the one leaf both layers may import.)

A host is lowercased, loses a trailing dot (`example.com.` is `example.com`) and is spelled
in ASCII as httpx spells it (IDNA 2008 with UTS 46: `bücher.de` is `xn--bcher-kva.de`,
`faß.de` is `xn--fa-hia.de`); one that cannot be spelled so is no host. An IP address has
one spelling: IPv6 compressed (`0:0::1` is `::1`), IPv4 as a dotted quad; the other ways a
resolver reads an IPv4 address (`127.1`, `2130706433`, `0x7f.0.0.1`) are no host at all,
so a rule can never be matched against one spelling while another is fetched.
`domain:example.com` covers `example.com` and every subdomain; `domain:*.example.com`
only the subdomains; an IP address only itself.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")  # a host name in ASCII, label by label
_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+")  # a label a resolver reads as part of an IPv4 address


def normalize_host(host: str) -> str | None:
    """`host` lowercased, without a trailing dot, in ASCII, an IP address in its one spelling;
    None when it is not a host name."""
    text = host.strip().lower().rstrip(".")
    bracketed = text.startswith("[") and text.endswith("]")
    if bracketed:
        text = text[1:-1]
    if not text or any(c.isspace() or c in "/\\@?#%" for c in text):
        return None
    if bracketed or ":" in text:
        return _ip_spelling(text, version=6)
    if not text.isascii():
        import idna  # httpx's own IDNA: only for a host that is not ASCII

        try:
            text = idna.encode(text, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
    if _NUMBER.fullmatch(text.rsplit(".", 1)[-1]):  # read as an IPv4 address, however it is spelt
        return _ip_spelling(text, version=4)
    return text


def _ip_spelling(text: str, *, version: int) -> str | None:
    import ipaddress

    try:
        address = ipaddress.IPv6Address(text) if version == 6 else ipaddress.IPv4Address(text)
    except ValueError:  # IPv4Address takes dotted quads only: `127.1` and `0x7f.0.0.1` are refused
        return None
    return address.compressed


def valid_domain(domain: str) -> bool:
    """A domain a `WebFetch(domain:...)` rule may name: a host name (`example.com`, `*.example.com`)
    or an IP address; not `*`, not a port."""
    host = normalize_host(domain.strip().removeprefix("*."))
    return host is not None and (_NAME.fullmatch(host) is not None or is_ip(host))


def url_host(url: object) -> str | None:
    """The normalized host of an http(s) URL; None for anything else (no scheme, no host)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return normalize_host(host)


def is_ip(host: str) -> bool:
    import ipaddress  # only when a domain rule is matched: it is not free to import

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_in_domain(host: str, domain: str) -> bool:
    """Does `host` (normalized) lie in `domain` (`example.com`, `*.example.com`)?"""
    subdomains_only = domain.strip().startswith("*.")
    want = normalize_host(domain.strip()[2:] if subdomains_only else domain)
    if not want or not host:
        return False
    if is_ip(want) or is_ip(host):
        return host == want and not subdomains_only
    if host == want:
        return not subdomains_only
    return host.endswith("." + want)
