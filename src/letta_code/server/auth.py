"""API-key check: with a key configured, every route but /v1/health and the ADE's files needs `Authorization: Bearer <key>`.

The ADE's page and assets (`/`, `/ade/...`) and the API reference page (`/docs`, `/redoc`)
hold no data: they are open so the page can load and ask for the key, which every API call
it makes (`/openapi.json` too) then carries.

A plain ASGI middleware (not BaseHTTPMiddleware), so streaming responses and
client disconnects pass through untouched.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

OPEN_PATHS = {"/v1/health", "/v1/health/", "/", "/docs", "/redoc"}  # the pages hold no data; /openapi.json stays closed
OPEN_PREFIXES = ("/ade/",)


class ApiKeyMiddleware:
    def __init__(self, app: Any, api_key: str) -> None:
        self.app = app
        self.api_key = api_key.encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or is_open(scope.get("path", "")) or self._authorized(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "detail": "missing or wrong API key: send 'Authorization: Bearer <key>' with the key "
                "this server was started with (letta server --api-key, or LETTA_SERVER_API_KEY); "
                "clients read it from LETTA_API_KEY"
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b"Bearer"),
                    (b"x-should-retry", b"false"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _authorized(self, scope: dict[str, Any]) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                scheme, _, token = value.partition(b" ")
                if scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self.api_key):
                    return True
            elif name == b"x-api-key" and hmac.compare_digest(value.strip(), self.api_key):
                return True
        return False


def is_open(path: str) -> bool:
    """A path anyone may fetch without the key."""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)
