"""Serving the ADE's files: `/` is the page, `/ade/<file>` its assets, `/docs` and `/redoc` the API reference.

The files are read once, at import, from the package; a name that is not one of them is a
404 (no path is ever joined from the request). Every answer carries a Content-Security-Policy
that lets the page load and connect to this server only, so nothing it renders (a message,
a block's value) can run script or reach another host; Trusted Types are required with no
policy allowed, so a string assigned to `innerHTML` (or any other HTML sink) throws instead
of being parsed. `/`, `/ade/<file>` and the reference answer HEAD as well as GET.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

STATIC = Path(__file__).parent / "static"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'"
)
GET_HEAD = ["GET", "HEAD"]


class Asset:
    """One packaged file, its type and its ETag."""

    def __init__(self, path: Path) -> None:
        self.body = path.read_bytes()
        self.content_type = CONTENT_TYPES[path.suffix]
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'

    def response(self, request: Request) -> Response:
        headers = {
            "ETag": self.etag,
            # Revalidate every time: an upgraded server never runs with yesterday's script.
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        return Response(self.body, media_type=self.content_type, headers=headers)


ASSETS = {path.name: Asset(path) for path in sorted(STATIC.iterdir()) if path.suffix in CONTENT_TYPES}

# What a file loads: a page's `/ade/...` stylesheet and script, a module's static and dynamic imports.
_LOADS = re.compile(r'(?:href|src)="/ade/([\w.-]+)"|(?:from|import)\s*\(?\s*"\./([\w.-]+)"')


def loaded_by(*names: str) -> list[str]:
    """These files and every packaged file they load, directly or not, in the order first met."""
    seen: list[str] = []
    todo = list(reversed(names))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        text = ASSETS[name].body.decode()
        todo += reversed([a or b for a, b in _LOADS.findall(text)])
    return seen


router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=GET_HEAD)
async def ade_page(request: Request) -> Response:
    return ASSETS["index.html"].response(request)


@router.api_route("/docs", methods=GET_HEAD)
@router.api_route("/redoc", methods=GET_HEAD)
async def reference_page(request: Request) -> Response:
    """The API reference: our own page over /openapi.json (FastAPI's viewers load from a CDN)."""
    return ASSETS["reference.html"].response(request)


@router.api_route("/ade/{name}", methods=GET_HEAD)
async def ade_asset(name: str, request: Request) -> Response:
    asset = ASSETS.get(name)
    if asset is None:
        return Response(status_code=404)
    return asset.response(request)
