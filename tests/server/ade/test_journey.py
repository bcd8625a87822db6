"""The ADE end to end, as a user meets it, on a server with an API key: the page asks for the
key once, lists an agent the official SDK made, opens it, edits a block and sees the revision,
opens a conversation with an earlier message, sends a message and watches the reply stream,
and sees a conversation that `letta -p` starts against the same server appear and grow."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from playwright.sync_api import expect

from letta_code.testing import Reply
from tests.conftest import Letta, letta_executable
from tests.server.ade.conftest import ADE_KEY, Tab, page_errors
from tests.server.conftest import LiveServer, user

MODEL = "openai/gpt-4.1"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "ade"


def test_from_the_agents_list_to_a_live_terminal_conversation(
    keyed_tab: Tab, keyed_server: LiveServer, letta: Letta
) -> None:
    with keyed_server.client() as sdk:
        agent = sdk.agents.create(
            name="journey", model=MODEL, memory_blocks=[{"label": "project", "value": "Build with make."}]
        )
        keyed_server.model.script([Reply(text="Noted: the build runs with make.")])
        list(sdk.agents.messages.create(agent.id, messages=user("remember how we build")))

    page = keyed_tab.open()
    # The key, once: the list loads after it, and a reload in this tab does not ask again.
    expect(page.locator("#key-dialog")).to_be_visible()
    page.locator("#key-input").fill(ADE_KEY)
    page.get_by_role("button", name="Use this key").click()
    link = page.get_by_role("link", name="journey", exact=True)
    expect(link).to_be_visible()
    errors = page_errors(page)  # from here on (the 401s before the key are the browser's own log)
    page.reload()
    expect(link).to_be_visible()
    expect(page.locator("#key-dialog")).to_be_hidden()

    # The agent: its block, edited on the page, and the edit in the block's history.
    link.click()
    block = page.locator("article.block[data-label='project']")
    expect(block.locator(".block-value")).to_have_text("Build with make.")
    block.get_by_role("button", name="Edit").click()
    block.locator("textarea").fill("Build with make ci.")
    block.get_by_role("button", name="Save").click()
    expect(block.locator(".block-value")).to_have_text("Build with make ci.")
    with keyed_server.client() as sdk:
        assert sdk.agents.blocks.retrieve("project", agent_id=agent.id).value == "Build with make ci."
    block.get_by_role("button", name="History").click()
    expect(block.locator("li.revision").first.locator(".diff .line.add")).to_have_text(["+Build with make ci."])

    # Its conversation: the earlier message is there; one typed on the page streams its reply.
    page.get_by_role("link", name="Conversations").click()
    page.get_by_role("link", name="remember how we build").click()
    expect(page.locator(".msg.assistant")).to_have_text("Noted: the build runs with make.")
    words = " ".join(f"step{i}" for i in range(1, 21))
    keyed_server.model.script([Reply(text=words, chunk_delay=0.08)])
    box = page.get_by_role("textbox", name="Message")
    box.fill("how do we build?")
    box.press("Enter")
    reply = page.locator(".msg.assistant").last
    expect(reply).to_contain_text("step2")
    assert "step20" not in reply.inner_text(), "the reply should show while it streams"
    expect(reply).to_have_text(words)
    assert keyed_server.model.last_user_text() == "how do we build?"

    # A terminal starts a new conversation on the same server: it appears in the agent's list
    # without a reload, and opening it while the terminal runs shows the run live.
    page.get_by_role("link", name="journey").first.click()
    page.get_by_role("link", name="Conversations").click()
    rows = page.locator("table.conversations tbody tr")
    expect(rows).to_have_count(1)
    letta.env.update({"LETTA_BASE_URL": keyed_server.url, "LETTA_API_KEY": ADE_KEY})
    keyed_server.model.script(
        [
            Reply(tool_calls=[("conversation_search", {"query": "build"})], delay=1.0),
            Reply(text=words, chunk_delay=0.25),
        ]
    )
    command = [*letta_executable(), "--agent", agent.id, "--new", "-p", "what did we say about building?"]
    proc = subprocess.Popen(
        [*command, "--output-format", "stream-json"], cwd=letta.cwd, env=letta.env, stdout=subprocess.PIPE, text=True
    )
    try:
        expect(rows).to_have_count(2, timeout=15_000)
        page.get_by_role("link", name="what did we say about building?").click()
        live = page.locator(".msg.assistant").last
        expect(live).to_contain_text("step1", timeout=15_000)
        assert proc.poll() is None, "the page should follow the run while letta -p is still going"
        keyed_tab.shot("journey-live")
        expect(live).to_have_text(words, timeout=20_000)
    finally:
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    init = json.loads(out.splitlines()[0])
    assert re.fullmatch(r"conv-[\w-]+", init["conversation_id"] or ""), init
    expect(page.locator(".msg.tool .tool-name")).to_have_text("conversation_search(build)")
    assert not errors, errors
