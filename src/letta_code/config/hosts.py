"""The host of a URL and whether it lies in a domain: one copy, shared by the permission
rules (`WebFetch(domain:example.com)`) and the web tools, so the host a rule is matched
against is the host that is fetched. (`config` is the one leaf both layers may import.)

A host is lowercased, loses a trailing dot (`example.com.` is `example.com`) and is spelled
in ASCII (`bücher.de` is `xn--bcher-kva.de`); one that cannot be spelled so is no host.
`domain:example.com` covers `example.com` and every subdomain; `domain:*.example.com`
only the subdomains; an IP address only itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def normalize_host(host: str) -> str | None:
    """`host` lowercased, without a trailing dot, in ASCII (IDNA); None when it is not a host name."""
    text = host.strip().lower().rstrip(".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if not text or any(c.isspace() or c in "/\\@?#%" for c in text):
        return None
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return text


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
