"""Checks at the door, before any route runs: Host names, browser origins and body sizes.

- **Host** (only without an API key): a keyless server trusts whoever reaches it, so a web
  page must not reach it through DNS rebinding (a name of the attacker's that resolves to
  127.0.0.1 a moment later). Such a request carries the attacker's name in `Host:`; only
  loopback names (`localhost`, `127.0.0.1`, `[::1]`, any port), the IP address the
  connection came in on, and the names in `LETTA_SERVER_ALLOWED_HOSTS` are answered;
  anything else gets 421. With an API key the key protects the server and any name is fine
  (it may be bound to a public address and reached by any name).
- **Origin**: a state-changing request (POST, PUT, PATCH, DELETE) that a browser sends from
  another site carries that site's `Origin:`; it is refused with 403 unless the origin is a
  loopback one or the server itself. SDKs and CLIs send no Origin and pass.
- **Body size**: bodies over `max_body_bytes` get 413, judged by `Content-Length` when it is
  sent and by counting the bytes as they arrive when it is not (chunked uploads), so an
  oversized body is never held in memory whole.

A plain ASGI middleware (not BaseHTTPMiddleware), so streams and disconnects pass untouched.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.exceptions import HTTPException

from letta_code.errors import UserError

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_BODY_ENV = "LETTA_SERVER_MAX_BODY_BYTES"
ALLOWED_HOSTS_ENV = "LETTA_SERVER_ALLOWED_HOSTS"
LOOPBACK_NAMES = frozenset({"localhost"})
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit (rendered as 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_detail(limit), headers={"x-should-retry": "false"})


def too_large_detail(limit: int) -> str:
    return f"request body too large: this server takes at most {limit} bytes (set {MAX_BODY_ENV} to change it)"


def max_body_bytes(env: Mapping[str, str]) -> int:
    """The body limit from `LETTA_SERVER_MAX_BODY_BYTES` (bytes; default 4 MiB)."""
    raw = (env.get(MAX_BODY_ENV) or "").strip()
    if not raw:
        return DEFAULT_MAX_BODY_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise UserError(f"{MAX_BODY_ENV} must be a positive number of bytes, not {raw!r}")
    return value


def allowed_hosts(env: Mapping[str, str]) -> frozenset[str]:
    """Extra Host names a keyless server answers (`LETTA_SERVER_ALLOWED_HOSTS`, comma-separated)."""
    names = (env.get(ALLOWED_HOSTS_ENV) or "").split(",")
    return frozenset(name.strip().lower().strip("[]") for name in names if name.strip())


def split_host(value: str) -> tuple[str, str] | None:
    """`host[:port]` (IPv6 in brackets) as (host, port); None when it is not of that form."""
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return host.lower(), rest[1:]
    host, colon, port = value.rpartition(":")
    if not colon:
        host, port = value, ""
    elif not port.isdigit() or ":" in host:
        return None
    return (host.lower(), port) if host else None


def is_loopback_host(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_host(origin: str) -> str | None:
    """`scheme://host[:port]` → `host[:port]`; None for `null` and anything else."""
    scheme, sep, rest = origin.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or "/" in rest:
        return None
    return rest


def _send_json(status: int, detail: str, extra: Iterable[tuple[bytes, bytes]] = ()) -> list[dict[str, Any]]:
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-should-retry", b"false"),
        *extra,
    ]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


class RequestGuard:
    """The three checks above; `check_host` is off when the server has an API key."""

    def __init__(
        self,
        app: Any,
        *,
        check_host: bool,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        extra_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.check_host = check_host
        self.max_body_bytes = max_body_bytes
        self.extra_hosts = extra_hosts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope.get("headers", []):
            headers.setdefault(name, value)
        refusal = self._refusal(scope, headers)
        if refusal is not None and scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": refusal[1][:120]})
            return
        if refusal is not None:
            for message in _send_json(*refusal):
                await send(message)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        await self._with_body_limit(scope, receive, send)

    def _refusal(self, scope: dict[str, Any], headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        host = headers.get(b"host")
        if self.check_host and host is not None and not self._host_ok(scope, host.decode("latin-1")):
            return 421, (
                f"this server has no API key, so it answers only loopback host names "
                f"(localhost, 127.0.0.1, [::1]), not {host.decode('latin-1')!r}; start it with "
                f"--api-key or add the name to {ALLOWED_HOSTS_ENV}"
            )
        origin = headers.get(b"origin")
        if scope.get("method") in STATE_CHANGING and origin is not None:
            text = origin.decode("latin-1")
            if not self._origin_ok(text, host.decode("latin-1") if host is not None else None):
                return 403, f"cross-origin request refused: origin {text!r} is not this server or a loopback origin"
        length = headers.get(b"content-length")
        if length is not None and length.strip().isdigit() and int(length) > self.max_body_bytes:
            return 413, too_large_detail(self.max_body_bytes)
        return None

    def _host_ok(self, scope: dict[str, Any], value: str) -> bool:
        parts = split_host(value.strip())
        if parts is None:
            return False
        name = parts[0]
        if is_loopback_host(name) or name in self.extra_hosts or "*" in self.extra_hosts:
            return True
        # The address the connection came in on, as an IP literal: not a name that could rebind.
        local = scope.get("server")
        return local is not None and name == str(local[0]).lower()

    def _origin_ok(self, origin: str, host: str | None) -> bool:
        where = origin_host(origin)
        if where is None:
            return False
        if host is not None and where.lower() == host.strip().lower():
            return True  # same origin: a page this server served
        parts = split_host(where)
        return parts is not None and (is_loopback_host(parts[0]) or parts[0] in self.extra_hosts)

    async def _with_body_limit(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        limit = self.max_body_bytes
        seen = 0
        started = False

        async def counted_receive() -> dict[str, Any]:
            nonlocal seen
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            # Normally rendered by the app's HTTPException handler; this is the fallback
            # for a body read outside a route (a middleware).
            if started:
                raise
            for message in _send_json(413, too_large_detail(limit)):
                await send(message)
