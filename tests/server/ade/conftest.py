"""A real browser for the ADE tests: Debian's headless Chromium driven by Playwright.

Never `playwright install` (it downloads a browser): the machine's `chromium` is launched by
path. Without it every ADE test fails with one line saying how to get it (make test installs
it when run as root), never a skip. Each `tab` records every request the page makes and fails
the test if one went anywhere but 127.0.0.1; `tab.shot(name)` saves a screenshot under the
test's temp dir.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from letta_code.testing import ModelServer
from tests.server.conftest import LiveServer, start_live_server

# The flags keep Chromium from calling home on a machine with no internet (each refused
# connection is noise and a delay) and let it run as root in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
ADE_KEY = "ade-key"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def page_errors(page: Page) -> list[str]:
    """Script errors and console errors (a CSP refusal among them) the page reports from now on."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", console)
    return errors


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "the ADE tests need Debian's chromium: run 'sudo apt-get install -y chromium' "
            "(make test installs it when run as root)",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    # Per module, not per session: while Playwright's sync API is up, the main thread counts as
    # running an event loop, so any later test in the worker calling asyncio.run() would fail.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    page: Page
    base: str
    shots: Path
    requests: list[str] = field(default_factory=list)

    def open(self, fragment: str = "") -> Page:
        """Load the ADE at `#fragment` (e.g. "/agents/agent-1")."""
        self.page.goto(f"{self.base}/" + (f"#{fragment}" if fragment else ""))
        return self.page

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def offsite(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).hostname != "127.0.0.1"
        ]


@contextmanager
def serving(tmp: Path, api_key: str | None) -> Iterator[LiveServer]:
    """A live server (and its scripted model) on a database in `tmp`, for as long as the block runs."""
    model = ModelServer().start()
    live, thread = start_live_server(tmp, model, api_key=api_key)
    try:
        yield live
    finally:
        thread.stop()
        model.stop()


@pytest.fixture(scope="module")
def ade_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A keyless server (and scripted model) for one test module."""
    with serving(tmp_path_factory.mktemp("ade"), None) as live:
        yield live


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server started with the API key `ADE_KEY`, for one test module."""
    with serving(tmp_path_factory.mktemp("ade-keyed"), ADE_KEY) as live:
        yield live


def open_tab(browser: Browser, base: str, shots: Path, viewport: dict[str, int]) -> Iterator[Tab]:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    tab = Tab(page, base, shots)
    page.on("request", lambda request: tab.requests.append(request.url))
    try:
        yield tab
    finally:
        context.close()
    assert not tab.offsite(), f"the page made requests off 127.0.0.1: {tab.offsite()}"


@pytest.fixture
def tab(chromium: Browser, ade_server: LiveServer, tmp_path: Path) -> Iterator[Tab]:
    """A fresh browser tab (1280×800) on the module's server."""
    ade_server.model.clear()
    yield from open_tab(chromium, ade_server.url, tmp_path, DESKTOP)


@pytest.fixture
def keyed_tab(chromium: Browser, keyed_server: LiveServer, tmp_path: Path) -> Iterator[Tab]:
    """A fresh browser tab (1280×800) on the module's keyed server."""
    keyed_server.model.clear()
    yield from open_tab(chromium, keyed_server.url, tmp_path, DESKTOP)
