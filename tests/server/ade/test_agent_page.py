"""The ADE's agent page (`#/agents/ID/TAB`) in a real browser: memory blocks (edit, history,
revert), tools, skills, archival memory, the context window, conversations, search and runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from letta_code.testing import Reply
from tests.server.ade.conftest import PHONE, Tab, open_tab, page_errors
from tests.server.conftest import LiveServer, user

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
SKILLS = """## Web
- web/scraper: Scraper - Fetch and parse pages [tags: http, html]

## Other
- notes: Notes - Keep a log of decisions"""


def make_agent(live: LiveServer, name: str, **kwargs: Any) -> Any:
    blocks = kwargs.pop("memory_blocks", [{"label": "human", "value": "The user likes tea."}])
    with live.client() as sdk:
        return sdk.agents.create(name=name, model="openai/gpt-4.1", memory_blocks=blocks, **kwargs)


def block(page: Page, label: str) -> Locator:
    return page.locator(f"article.block[data-label='{label}']")


def test_the_header_and_a_blocks_value_with_its_size(tab: Tab, ade_server: LiveServer) -> None:
    agent = make_agent(
        ade_server,
        "page-header",
        memory_blocks=[
            {"label": "human", "value": "The user likes tea.", "description": "About the user"},
            {"label": "rules", "value": "Be brief.", "read_only": True, "limit": 500},
        ],
    )
    errors = page_errors(tab.page)
    page = tab.open(f"/agents/{agent.id}")
    expect(page.get_by_role("heading", name="page-header")).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(agent.id)
    expect(facts).to_contain_text("openai/gpt-4.1")
    expect(facts).to_contain_text("1,047,576 tokens")
    expect(page.locator("#crumbs")).to_have_text(re.compile("Agents\\s*/\\s*page-header"))
    expect(page.locator("nav.tabs a.active")).to_have_text("Memory")
    human = block(page, "human")
    expect(human.locator(".block-value")).to_have_text("The user likes tea.")
    expect(human).to_contain_text("19 / 20,000 chars")
    expect(human).to_contain_text("About the user")
    rules = block(page, "rules")
    expect(rules).to_contain_text("9 / 500 chars")
    expect(rules.locator(".badge")).to_have_text("read-only")
    tab.shot("agent-memory")
    assert errors == []


def test_editing_a_block_saves_it_and_history_reverts_it(tab: Tab, ade_server: LiveServer) -> None:
    agent = make_agent(ade_server, "page-edit")
    page = tab.open(f"/agents/{agent.id}/memory")
    human = block(page, "human")
    human.get_by_role("button", name="Edit").click()
    area = human.get_by_label("Value of human")
    expect(area).to_have_value("The user likes tea.")
    area.fill("The user likes coffee.\nAnd biscuits.")
    expect(human.locator(".chars")).to_have_text("36 / 20,000 chars")
    human.get_by_role("button", name="Save").click()
    expect(human.locator(".block-value")).to_have_text("The user likes coffee.\nAnd biscuits.")
    with ade_server.client() as sdk:
        assert sdk.agents.blocks.retrieve("human", agent_id=agent.id).value == "The user likes coffee.\nAnd biscuits."

    human.get_by_role("button", name="History").click()
    newest = human.locator("li.revision").first
    expect(newest).to_contain_text("v2")
    expect(newest).to_contain_text("current")
    expect(newest.locator(".diff .line.del")).to_have_text(["-The user likes tea."])
    expect(newest.locator(".diff .line.add")).to_have_text(["+The user likes coffee.", "+And biscuits."])
    tab.shot("agent-memory-history")
    human.locator("li.revision[data-version='1']").get_by_role("button", name="Revert to this").click()
    expect(human.locator(".block-value")).to_have_text("The user likes tea.")
    expect(human.locator("li.revision").first).to_contain_text("v3")  # the revert is itself a revision
    with ade_server.client() as sdk:
        assert sdk.agents.blocks.retrieve("human", agent_id=agent.id).value == "The user likes tea."


def test_a_value_over_the_limit_shows_the_servers_refusal(tab: Tab, ade_server: LiveServer) -> None:
    agent = make_agent(ade_server, "page-limit", memory_blocks=[{"label": "tiny", "value": "short", "limit": 10}])
    page = tab.open(f"/agents/{agent.id}")
    tiny = block(page, "tiny")
    tiny.get_by_role("button", name="Edit").click()
    tiny.get_by_label("Value of tiny").fill("far too long for ten")
    expect(tiny.locator(".chars.error")).to_have_text("20 / 10 chars")
    tiny.get_by_role("button", name="Save").click()
    expect(tiny.get_by_role("alert")).to_contain_text("over the block's limit of 10")
    tiny.get_by_role("button", name="Cancel").click()
    expect(tiny.locator(".block-value")).to_have_text("short")


def test_tools_and_skills(tab: Tab, ade_server: LiveServer) -> None:
    agent = make_agent(
        ade_server,
        "page-tools",
        memory_blocks=[
            {"label": "skills", "value": SKILLS, "read_only": True},
            {"label": "loaded_skills", "value": '<skill id="notes" name="Notes" path="/x">\nBody\n</skill>'},
        ],
    )
    page = tab.open(f"/agents/{agent.id}/tools")
    memory_tool = page.locator("li.tool[data-name='memory_replace']")
    expect(memory_tool).to_contain_text("server")
    memory_tool.get_by_text("JSON schema").click()
    expect(memory_tool.locator("pre.schema")).to_contain_text('"parameters"')
    page.get_by_role("link", name="Skills").click()
    scraper = page.locator("li.skill[data-id='web/scraper']")
    expect(scraper).to_contain_text("Scraper")
    expect(scraper).to_contain_text("Fetch and parse pages")
    expect(scraper.locator(".badge.tag")).to_have_text(["http", "html"])
    expect(page.locator("li.skill[data-id='notes'] .badge.ok")).to_have_text("loaded")
    expect(page.get_by_role("heading", name="Web")).to_be_visible()
    bare = make_agent(ade_server, "page-no-skills")
    tab.open(f"/agents/{bare.id}/skills")
    expect(page.locator(".empty")).to_contain_text("No skills")


def test_archival_add_list_search_delete(tab: Tab, ade_server: LiveServer) -> None:
    agent = make_agent(ade_server, "page-archival")
    page = tab.open(f"/agents/{agent.id}/archival")
    expect(page.get_by_role("status")).to_contain_text("Archival memory is empty")
    page.get_by_label("Passage text").fill("The deploy key rotates every Tuesday.")
    page.get_by_label("Tags").fill("ops, keys")
    page.get_by_role("button", name="Add to archival memory").click()
    listed = page.locator("ul.passages:not(.hits) li.passage")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("The deploy key rotates every Tuesday.")
    expect(listed.first.locator(".badge.tag")).to_have_text(["ops", "keys"])
    page.reload()  # it is stored, not only drawn
    expect(listed).to_have_count(1)
    page.get_by_label("Search archival memory").fill("tuesday")
    page.get_by_role("button", name="Search", exact=True).click()
    hit = page.locator("ul.hits li.passage")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text("Tuesday")
    tab.shot("agent-archival")
    page.on("dialog", lambda dialog: dialog.accept())
    listed.first.get_by_role("button", name="Delete passage").click()
    expect(page.locator("li.passage")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("Archival memory is empty")


def test_archival_pages_with_load_more(tab: Tab, ade_server: LiveServer) -> None:
    agent = make_agent(ade_server, "page-archival-many")
    with httpx.Client(base_url=ade_server.url) as http:
        for n in range(30):
            http.post(f"/v1/agents/{agent.id}/archival-memory", json={"text": f"note number {n}"}).raise_for_status()
    page = tab.open(f"/agents/{agent.id}/archival")
    listed = page.locator("ul.passages:not(.hits) li.passage .passage-text")
    expect(listed).to_have_count(25)
    expect(listed.first).to_have_text("note number 29")  # newest first
    page.get_by_role("button", name="Load more").click()
    expect(listed).to_have_count(30)
    expect(listed.last).to_have_text("note number 0")
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()


def test_the_runs_tab_follows_an_active_run_until_it_ends(tab: Tab, ade_server: LiveServer) -> None:
    agent = make_agent(ade_server, "page-running")
    ade_server.model.script([Reply(text="Done at last.", stall="keepalive", stall_for=2.5)])
    with ade_server.client() as sdk:
        sdk.agents.messages.create_async(agent.id, messages=user("take your time"))
    page = tab.open(f"/agents/{agent.id}/runs")
    run = page.locator("table.runs tbody tr").first
    expect(run.locator(".badge").first).to_have_text(re.compile("^(created|running)$"))
    expect(page.get_by_role("status")).to_contain_text("refreshing every 3 s")
    expect(run.locator(".badge").first).to_have_text("completed", timeout=15_000)  # no reload: the tab polled
    expect(page.get_by_role("status")).to_have_text("1 most recent run")


def test_context_runs_conversations_and_search_after_a_message(tab: Tab, ade_server: LiveServer) -> None:
    agent = make_agent(ade_server, "page-activity")
    ade_server.model.script([Reply(text="Kettle is on.")])
    with ade_server.client() as sdk:
        sdk.agents.messages.create(agent.id, messages=user("Please put the kettle on"))
    errors = page_errors(tab.page)

    page = tab.open(f"/agents/{agent.id}/context")
    table = page.locator("table.ctx-table")
    expect(table.locator("tr[data-part='system']")).to_contain_text("System prompt")
    human_tokens = table.locator("tr[data-part='block:human'] td.tokens")
    expect(human_tokens).to_have_text(re.compile(r"^[1-9][\d,]*$"))
    # The bar's widths are set from script (CSSOM), which the strict CSP lets through.
    width = page.locator(".ctx-seg[data-part='system']").evaluate("el => el.getBoundingClientRect().width")
    assert width > 2
    page.get_by_text(re.compile("^System prompt \\(")).click()
    expect(page.locator("details.system-prompt pre")).to_contain_text("Letta Code")
    tab.shot("agent-context")

    page.get_by_role("link", name="Runs").click()
    run = page.locator("table.runs tbody tr").first
    expect(run.locator(".badge").first).to_have_text("completed")
    expect(run).to_contain_text("end_turn")
    expect(run.locator("td.steps")).to_have_text("1")
    tab.shot("agent-runs")

    page.get_by_role("link", name="Conversations").click()
    conv = page.locator("table.conversations tbody tr").first
    expect(conv.locator("a.preview")).to_have_text("Please put the kettle on")
    expect(conv.locator(".badge")).to_have_text("default")
    tab.shot("agent-conversations")

    page.get_by_role("link", name="Search").click()
    page.get_by_label("Search messages").fill("kettle")
    page.get_by_role("button", name="Search", exact=True).click()
    hits = page.locator("li.hit")
    expect(hits.first).to_be_visible()
    expect(hits.filter(has_text="Please put the kettle on").locator(".badge")).to_have_text("user")
    link = hits.first.locator("a.hit-text").get_attribute("href") or ""
    assert re.match(r"^#/conversations/[^/]+/[^/]+$", link), link
    tab.shot("agent-search")
    assert errors == []


def test_a_new_conversation_opens_it(tab: Tab, ade_server: LiveServer) -> None:
    agent = make_agent(ade_server, "page-new-conv")
    page = tab.open(f"/agents/{agent.id}/conversations")
    expect(page.locator(".empty")).to_contain_text("No conversations yet")
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_url(re.compile(r"#/conversations/conv-"))
    with ade_server.client() as sdk:
        convs = sdk.conversations.list(agent_id=agent.id)
    assert page.url.endswith(f"#/conversations/{convs[0].id}")


def test_the_agent_page_on_a_phone(chromium: Browser, ade_server: LiveServer, tmp_path: Path) -> None:
    agent = make_agent(ade_server, "page-phone")
    for tab in open_tab(chromium, ade_server.url, tmp_path, PHONE):
        page = tab.open(f"/agents/{agent.id}")
        expect(block(page, "human").locator(".block-value")).to_have_text("The user likes tea.")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        tab.shot("agent-memory-phone")
        page.get_by_role("link", name="Context").click()
        expect(page.locator("table.ctx-table tr[data-part='system']")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        tab.shot("agent-context-phone")
