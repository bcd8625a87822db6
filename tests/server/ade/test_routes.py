"""Serving the ADE's files: open without the key, strict CSP, nothing outside the package, light."""

from __future__ import annotations

import httpx

from letta_code.server.ade.routes import ASSETS, CSP, loaded_by
from tests.server.ade.conftest import ADE_KEY
from tests.server.conftest import LiveServer


def test_page_and_assets_load_without_the_key_but_the_api_does_not(keyed_server: LiveServer) -> None:
    with httpx.Client(base_url=keyed_server.url) as http:
        page = http.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/ade/app.js">' in page.text
        assert http.get("/ade/app.js").status_code == 200
        assert http.get("/v1/agents").status_code == 401
        assert http.get("/v1/agents", headers={"Authorization": f"Bearer {ADE_KEY}"}).status_code == 200


def test_every_answer_carries_the_policy_that_keeps_the_page_on_this_server(keyed_server: LiveServer) -> None:
    with httpx.Client(base_url=keyed_server.url) as http:
        for path in ["/", "/ade/ade.css", "/ade/api.js"]:
            response = http.get(path)
            assert response.headers["content-security-policy"] == CSP
            assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in CSP and "script-src 'self'" in CSP and "unsafe" not in CSP
    # No HTML sink takes a string (there is no policy to make a TrustedHTML with).
    assert "require-trusted-types-for 'script'" in CSP and "trusted-types 'none'" in CSP


def test_the_page_its_files_and_the_reference_answer_head(keyed_server: LiveServer) -> None:
    with httpx.Client(base_url=keyed_server.url) as http:
        for path in ["/", "/ade/app.js", "/ade/ade.css", "/docs", "/redoc"]:
            head, get = http.head(path), http.get(path)
            assert head.status_code == 200, path
            assert head.content == b""
            assert head.headers["content-type"] == get.headers["content-type"]
            assert head.headers["content-length"] == str(len(get.content))
            assert head.headers["content-security-policy"] == CSP
        assert http.head("/ade/nothing.js").status_code == 404


def test_only_packaged_files_are_served(keyed_server: LiveServer) -> None:
    with httpx.Client(base_url=keyed_server.url) as http:
        for path in ["/ade/nothing.js", "/ade/..%2f__init__.py", "/ade/routes.py", "/ade/%2e%2e/routes.py"]:
            assert http.get(path).status_code == 404, path


def test_an_unchanged_file_is_not_sent_again(keyed_server: LiveServer) -> None:
    with httpx.Client(base_url=keyed_server.url) as http:
        first = http.get("/ade/app.js")
        again = http.get("/ade/app.js", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


def test_the_first_page_with_every_file_it_loads_is_under_100_kb() -> None:
    """What a browser fetches to show the agents list: the page and every module it imports
    (app.js imports the page of each route when it is opened: agents.js for `#/`)."""
    files = loaded_by("index.html", "agents.js")
    assert {"index.html", "app.js", "api.js", "dom.js", "ade.css", "agents.js"} <= set(files)
    assert "conversation.js" not in files  # other pages' code is not part of the first page
    total = sum(len(ASSETS[name].body) for name in files)
    assert total < 100_000, f"{total} bytes for {files}"
