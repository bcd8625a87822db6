"""The ADE's agents list (`#/`) in a real browser: agents made through the SDK, search, create, delete."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Dialog, Locator, Page, expect

from tests.server.ade.conftest import PHONE, Tab, open_tab, page_errors, serving
from tests.server.conftest import LiveServer


def row(page: Page, name: str) -> Locator:
    return page.locator("table.agents tbody tr").filter(has=page.get_by_role("link", name=name, exact=True))


def test_the_list_shows_an_sdk_agent_with_its_model_and_conversations(tab: Tab, ade_server: LiveServer) -> None:
    with ade_server.client() as sdk:
        agent = sdk.agents.create(name="list-alpha", model="openai/gpt-4.1")
        sdk.conversations.create(agent_id=agent.id)
        sdk.agents.create(name="list-hidden-helper", model="openai/gpt-4.1", tags=["hidden"])
        sdk.agents.create(
            name="list-beta", model="anthropic/claude-sonnet-4-5", description="Reviews pull requests for the web team"
        )
    errors = page_errors(tab.page)
    page = tab.open()
    alpha = row(page, "list-alpha")
    expect(alpha).to_contain_text("openai/gpt-4.1")
    expect(alpha.locator(".last-cell")).to_have_text("just now")
    expect(alpha.locator(".conv-cell")).to_have_text("1")  # the one made above (no default yet)
    expect(page.locator("#crumbs")).to_have_text("Agents")
    # A hidden agent (a subagent, a reflection agent) shows only behind the switch.
    expect(row(page, "list-beta")).to_contain_text("anthropic/claude-sonnet-4-5")
    expect(row(page, "list-beta")).to_contain_text("Reviews pull requests")
    expect(row(page, "list-hidden-helper")).to_have_count(0)
    page.get_by_label("Show hidden agents").check()
    expect(row(page, "list-hidden-helper")).to_contain_text("hidden")
    page.get_by_label("Show hidden agents").uncheck()
    tab.shot("agents")
    alpha.get_by_role("link", name="list-alpha").click()
    expect(page.get_by_role("heading", name="list-alpha")).to_be_visible()
    assert page.url.endswith(f"#/agents/{agent.id}")
    assert errors == []


def test_search_narrows_the_list_by_name(tab: Tab, ade_server: LiveServer) -> None:
    with ade_server.client() as sdk:
        sdk.agents.create(name="search-Kestrel", model="openai/gpt-4.1")
        sdk.agents.create(name="search-heron", model="openai/gpt-4.1")
    page = tab.open()
    expect(row(page, "search-heron")).to_have_count(1)
    page.get_by_label("Search agents by name").fill("kestrel")
    expect(page.locator("table.agents tbody tr")).to_have_count(1)
    expect(row(page, "search-Kestrel")).to_have_count(1)
    expect(page.get_by_role("status")).to_contain_text("1 agent matching")
    page.get_by_label("Search agents by name").fill("no-such-agent-anywhere")
    expect(page.locator(".empty")).to_have_text(re.compile("No agent's name contains"))
    page.get_by_label("Search agents by name").fill("")
    expect(row(page, "search-heron")).to_have_count(1)


def test_an_agent_created_on_the_page_appears_and_the_sdk_sees_it(tab: Tab, ade_server: LiveServer) -> None:
    page = tab.open()
    page.get_by_role("button", name="New agent").click()
    page.get_by_label("Agent name").fill("made-on-the-page")
    model = page.get_by_label("Model")
    expect(model.locator("option[value='openai/gpt-4.1']")).to_have_count(1)  # from GET /v1/models
    model.select_option("openai/gpt-4.1")
    tab.shot("agents-new")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(row(page, "made-on-the-page")).to_contain_text("openai/gpt-4.1")
    with ade_server.client() as sdk:
        made = [a for a in sdk.agents.list(name="made-on-the-page")]
    assert [a.model for a in made] == ["openai/gpt-4.1"]


def test_a_bad_model_shows_the_servers_error(tab: Tab, ade_server: LiveServer) -> None:
    page = tab.open()
    page.get_by_role("button", name="New agent").click()
    page.get_by_label("Agent name").fill("never-made")
    page.get_by_label("Model").evaluate(
        "s => { s.append(new Option('nope/none', 'nope/none')); s.value = 'nope/none'; }"
    )
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.locator("form.new-agent .error")).to_be_visible()
    expect(row(page, "never-made")).to_have_count(0)


def test_delete_asks_and_removes_the_agent(tab: Tab, ade_server: LiveServer) -> None:
    with ade_server.client() as sdk:
        doomed = sdk.agents.create(name="delete-me-please", model="openai/gpt-4.1")
    page = tab.open()
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        if len(asked) > 1:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    target = row(page, "delete-me-please")
    target.get_by_role("button", name="Delete delete-me-please").click()
    expect(target).to_have_count(1)  # the first answer was "cancel"
    target.get_by_role("button", name="Delete delete-me-please").click()
    expect(target).to_have_count(0)
    assert "delete-me-please" in asked[0]
    with ade_server.client() as sdk:
        assert doomed.id not in [a.id for a in sdk.agents.list()]


def test_the_empty_state_and_the_phone_layout(chromium: Browser, tmp_path: Path) -> None:
    with serving(tmp_path, None) as live:
        for tab in open_tab(chromium, live.url, tmp_path, PHONE):
            page = tab.open()
            expect(page.locator(".empty")).to_contain_text("No agents yet")
            with live.client() as sdk:
                sdk.agents.create(name="phone-agent-with-a-rather-long-name", model="openai/gpt-4.1")
            page.reload()
            expect(row(page, "phone-agent-with-a-rather-long-name").locator(".last-cell")).to_have_text("just now")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], "the list scrolls sideways on a phone"
            tab.shot("agents-phone")
