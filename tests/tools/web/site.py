"""A real web site on 127.0.0.1 for the web tool tests: pages by path (status, headers,
body, a delay, no Content-Length), each request recorded (method, path, headers, body)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Page:
    body: bytes | str = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    no_length: bool = False  # no Content-Length: the body ends when the connection closes


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    def json(self) -> Any:
        return json.loads(self.body)


def json_page(data: object, status: int = 200) -> Page:
    return Page(json.dumps(data), status=status, content_type="application/json")


Route = Page | Callable[[Request], Page]


class Site:
    """`site.pages["/path"] = Page(...)`; `site.url("/path")`; `site.requests`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.pages: dict[str, Route] = {}
        self.requests: list[Request] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                site._answer(self, "GET")

            def do_POST(self) -> None:
                site._answer(self, "POST")

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [urlsplit(r.path).path for r in self.requests]

    def start(self) -> Site:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(method, handler.path, {k.lower(): v for k, v in handler.headers.items()}, body)
        self.requests.append(request)
        route = self.pages.get(urlsplit(handler.path).path)
        page = route(request) if callable(route) else route
        if page is None:
            page = Page("<h1>Not Found</h1>", status=404)
        if page.delay:
            time.sleep(page.delay)
        data = page.body.encode() if isinstance(page.body, str) else page.body
        try:
            handler.send_response(page.status)
            if page.content_type:
                handler.send_header("Content-Type", page.content_type)
            for name, value in page.headers.items():
                handler.send_header(name, value)
            if not page.no_length:
                handler.send_header("Content-Length", str(len(data)))
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a size cap, a timeout)
