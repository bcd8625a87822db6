"""The API reference at /docs and /redoc, in a real browser: our own page over /openapi.json, offline."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Locator, Page, expect

from tests.server.ade.conftest import ADE_KEY, DESKTOP, PHONE, Tab, open_tab
from tests.server.conftest import LiveServer

METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}  # an OpenAPI path item's operations


def operation(page: Page, method: str, path: str) -> Locator:
    """The operation row `METHOD path` (exact path, not its longer siblings)."""
    summary = page.locator("details.op > summary").filter(
        has=page.locator(".method", has_text=re.compile(f"^{method}$"))
    )
    return summary.filter(has=page.locator(".op-path", has_text=re.compile(f"^{re.escape(path)}$")))


def load_reference(tab: Tab, path: str = "/docs") -> Page:
    tab.page.goto(tab.base + path)
    expect(tab.page.locator("details.op").first).to_be_visible()
    return tab.page


def test_docs_lists_every_operation_with_its_summary_offline(tab: Tab, ade_server: LiveServer) -> None:
    page = load_reference(tab)
    expect(operation(page, "GET", "/v1/agents")).to_contain_text("List agents")
    expect(operation(page, "POST", "/v1/agents")).to_contain_text("Create an agent")
    spec = httpx.get(f"{ade_server.url}/openapi.json").json()
    count = sum(1 for item in spec["paths"].values() for method in item if method in METHODS)
    expect(page.locator("details.op[id]:not([id^=schema-])")).to_have_count(count)
    expect(page.get_by_role("heading", name="agents", exact=True)).to_be_visible()  # grouped by tag
    tab.shot("reference")
    # No viewer from a CDN: every request the page made went to this server (the fixture checks that too).
    assert all(url.startswith(ade_server.url) for url in tab.requests)


def test_an_operation_opens_to_its_parameters_body_and_responses(tab: Tab) -> None:
    page = load_reference(tab)
    create = operation(page, "POST", "/v1/agents")
    create.click()
    body = page.locator("details.op[open] .op-body")
    expect(body).to_contain_text("Request body")
    # The body schema's $ref is resolved into its fields, nested ones included (memory_blocks -> label).
    expect(body.locator(".prop-name", has_text=re.compile("^memory_blocks$"))).to_be_visible()
    expect(body.locator("ul.schema-tree ul.schema-tree .prop-name", has_text=re.compile("^label$"))).to_be_visible()
    expect(body.locator(".ref-name", has_text="AgentCreate").first).to_be_visible()
    expect(body).to_contain_text("200")
    tab.shot("reference-operation")

    operation(page, "GET", "/v1/agents/{agent_id}").click()
    params = page.locator("details.op[open] table.params").last
    expect(params.locator("tr", has_text="agent_id")).to_contain_text("path")
    expect(params.locator("tr", has_text="agent_id")).to_contain_text("required")
    expect(params.locator("tr", has_text="include")).to_contain_text("query")


def test_the_filter_keeps_the_matching_operations(tab: Tab) -> None:
    page = load_reference(tab)
    box = page.get_by_role("searchbox", name="Filter operations")
    box.fill("post agents")
    expect(operation(page, "POST", "/v1/agents")).to_be_visible()
    expect(operation(page, "GET", "/v1/agents")).to_be_hidden()
    expect(operation(page, "GET", "/v1/blocks")).to_be_hidden()
    expect(page.get_by_role("heading", name="blocks", exact=True)).to_be_hidden()  # an empty group goes too
    expect(page.locator(".ref-toolbar")).to_contain_text(re.compile(r"\d+ of \d+ operations"))
    box.fill("no such operation at all")
    expect(page.get_by_text("No operation matches the filter.")).to_be_visible()
    box.fill("")
    expect(operation(page, "GET", "/v1/blocks")).to_be_visible()


def test_an_anchor_opens_its_operation_and_redoc_is_the_same_page(tab: Tab) -> None:
    page = load_reference(tab, "/redoc")
    anchor = operation(page, "GET", "/v1/agents").locator("a.anchor")
    fragment = anchor.get_attribute("href")
    assert fragment and fragment.startswith("#")
    page.goto(f"{tab.base}/docs{fragment}")
    target = page.locator(f"details.op[id='{fragment[1:]}']")
    expect(target).to_have_attribute("open", "")
    expect(target.locator("table.params")).to_be_visible()


def test_the_reference_reads_on_a_phone(chromium: Browser, ade_server: LiveServer, tmp_path: Path) -> None:
    for tab in open_tab(chromium, ade_server.url, tmp_path, PHONE):
        page = load_reference(tab)
        operation(page, "POST", "/v1/agents").click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
        tab.shot("reference-phone")


def test_with_an_api_key_the_page_asks_for_it_then_renders(
    chromium: Browser, keyed_server: LiveServer, tmp_path: Path
) -> None:
    assert httpx.get(f"{keyed_server.url}/docs").status_code == 200  # the page itself is open
    assert httpx.get(f"{keyed_server.url}/openapi.json").status_code == 401  # what it shows is not
    for tab in open_tab(chromium, keyed_server.url, tmp_path, DESKTOP):
        page = tab.page
        page.goto(f"{keyed_server.url}/docs")
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("API key")
        dialog.get_by_label("API key").fill("wrong")
        dialog.get_by_role("button", name="Use this key").click()
        expect(dialog.get_by_text("That key was refused.")).to_be_visible()
        dialog.get_by_label("API key").fill(ADE_KEY)
        dialog.get_by_role("button", name="Use this key").click()
        expect(operation(page, "GET", "/v1/agents")).to_contain_text("List agents")
        page.reload()  # kept for the tab: no second question
        expect(operation(page, "POST", "/v1/agents")).to_contain_text("Create an agent")
        expect(page.get_by_role("dialog")).to_be_hidden()
