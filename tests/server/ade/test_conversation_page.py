"""The ADE's conversation page (`#/conversations/ID[/MESSAGE_ID]`) in a real browser: messages
rendered as the terminal shows them (Markdown that stays inert), a reply streaming in, a run
started by `letta -p` appearing live, a stream resumed after a drop, Deny for a pending
approval, and a long conversation paged from its newest end."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from letta_code.service.store.models import Message, new_id, utcnow
from letta_code.testing import Reply
from tests.conftest import Letta, letta_executable
from tests.server.ade.conftest import PHONE, Tab, open_tab, page_errors
from tests.server.conftest import SDK_BASH_TOOL, LiveServer, user

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
MODEL = "openai/gpt-4.1"
REPLY = """# Plan

Here is **bold**, *italic*, `inline code` and a [safe link](https://example.com/docs).

- first item
- second item
  1. nested one

> a quoted line

| name | count |
|------|------:|
| tea  | 3 |

```python
print("hi")
```

<img src=x onerror="document.title='pwned'"> and [click me](javascript:alert(1))"""
WORDS = " ".join(f"word{i}" for i in range(1, 25))


def conversation(live: LiveServer, name: str) -> tuple[Any, Any]:
    with live.client() as sdk:
        agent = sdk.agents.create(name=name, model=MODEL, memory_blocks=[{"label": "human", "value": "Likes tea."}])
        return agent, sdk.conversations.create(agent_id=agent.id)


def send(live: LiveServer, conv_id: str, text: str, **kwargs: Any) -> list[Any]:
    with live.client() as sdk:
        return list(sdk.conversations.messages.create(conv_id, messages=user(text), **kwargs))


def rich_conversation(live: LiveServer, name: str) -> tuple[Any, Any]:
    """A turn with reasoning, a server-side tool call and its result, and a Markdown reply."""
    agent, conv = conversation(live, name)
    live.model.script(
        [
            Reply(
                reasoning="Let me look through earlier talks.", tool_calls=[("conversation_search", {"query": "tea"})]
            ),
            Reply(reasoning="Now I answer.", text=REPLY),
        ]
    )
    send(live, conv.id, "what about tea?")
    return agent, conv


def test_a_turn_renders_as_the_terminal_shows_it_and_markdown_stays_inert(tab: Tab, ade_server: LiveServer) -> None:
    agent, conv = rich_conversation(ade_server, "convo-render")
    errors = page_errors(tab.page)
    page = tab.open(f"/conversations/{conv.id}")
    expect(page.locator("#crumbs")).to_have_text(re.compile(rf"Agents\s*/\s*convo-render\s*/\s*{conv.id}"))
    expect(page.locator(".convo-head h1 a")).to_have_attribute("href", f"#/agents/{agent.id}/conversations")
    expect(page.locator(".convo-meta")).to_contain_text(conv.id)
    expect(page.locator(".convo-meta")).to_contain_text("4 messages")
    expect(page.locator(".convo-meta")).to_contain_text(MODEL)

    expect(page.locator(".msg.user")).to_have_count(1)
    expect(page.locator(".msg.user .msg-text")).to_have_text("what about tea?")
    reasoning = page.locator(".msg.reasoning")
    expect(reasoning).to_have_count(2)
    expect(reasoning.first).to_contain_text("Let me look through earlier talks.")
    expect(reasoning.first).not_to_have_attribute("open", "")

    tool = page.locator(".msg.tool")
    expect(tool.locator(".tool-name")).to_have_text("conversation_search(tea)")
    page.evaluate("window.scrollTo(0, 0)")
    tab.shot("conversation")
    expect(tool.locator(".tool-args-body")).not_to_be_visible()
    tool.locator("details.tool-call > summary").click()
    expect(tool.locator(".tool-args-body")).to_contain_text('"query": "tea"')
    result = tool.locator(".tool-result details.tool-return")  # the result sits inside its call
    expect(result.locator(".badge")).to_have_text("ok")
    expect(result.locator(".tool-output")).not_to_be_visible()
    result.locator("summary").click()
    expect(result.locator(".tool-output")).to_be_visible()

    md = page.locator(".msg.assistant .md")
    expect(md.locator("h1")).to_have_text("Plan")
    expect(md.locator("strong")).to_have_text("bold")
    expect(md.locator("em")).to_have_text("italic")
    expect(md.locator("p code")).to_have_text("inline code")
    link = md.get_by_role("link", name="safe link")
    expect(link).to_have_attribute("href", "https://example.com/docs")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(md.locator("ul > li")).to_have_count(2)
    expect(md.locator("ul ol > li")).to_have_text("nested one")
    expect(md.locator("blockquote")).to_have_text("a quoted line")
    expect(md.locator("table th")).to_have_text(["name", "count"])
    expect(md.locator("table td.align-right")).to_have_text("3")
    expect(md.locator("pre code.language-python")).to_have_text('print("hi")')
    # The XSS attempts are text, not markup: no image, no javascript: link, the title untouched.
    expect(md).to_contain_text("<img src=x onerror=")
    expect(md).to_contain_text("click me")
    assert page.locator(".transcript img").count() == 0
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert page.title() == "Letta Code · ADE"
    assert not errors, errors


def test_a_message_sent_on_the_page_streams_its_reply_and_stays(tab: Tab, ade_server: LiveServer) -> None:
    _, conv = conversation(ade_server, "convo-send")
    errors = page_errors(tab.page)
    page = tab.open(f"/conversations/{conv.id}")
    expect(page.locator(".convo-empty")).to_be_visible()
    ade_server.model.script([Reply(text=WORDS, reasoning="Counting words.", chunk_delay=0.08)])
    box = page.get_by_role("textbox", name="Message")
    box.fill("count for me")
    box.press("Enter")
    expect(page.locator(".msg.user .msg-text")).to_have_text("count for me")
    reply = page.locator(".msg.assistant")
    expect(reply).to_contain_text("word3")
    partial = reply.inner_text()
    assert "word24" not in partial, "the reply should show before it is complete"
    expect(box).to_be_disabled()  # while the run is active
    expect(page.locator(".convo-status")).to_contain_text("working")
    expect(reply).to_have_text(WORDS)
    expect(box).to_be_enabled()
    expect(page.locator(".msg.user")).to_have_count(1)  # the stored message took the typed one's place
    expect(page.locator(".msg.user")).to_have_attribute("data-id", re.compile("^message-"))
    expect(page.locator(".convo-meta")).to_contain_text("2 messages")  # stored rows: the question, the reply
    assert ade_server.model.last_user_text() == "count for me"
    page.reload()
    expect(page.locator(".msg.assistant")).to_have_text(WORDS)
    expect(page.locator(".msg.reasoning")).to_contain_text("Counting words.")

    # Shift+Enter is a new line, not a send.
    box.fill("two")
    box.press("Shift+Enter")
    box.press_sequentially("lines")
    expect(box).to_have_value("two\nlines")
    expect(page.locator(".msg.user")).to_have_count(1)
    assert not errors, errors


def test_a_failed_run_shows_the_model_servers_error(tab: Tab, ade_server: LiveServer) -> None:
    _, conv = conversation(ade_server, "convo-error")
    page = tab.open(f"/conversations/{conv.id}")
    ade_server.model.script([Reply(status=400, error_body="the prompt is invalid")])
    box = page.get_by_role("textbox", name="Message")
    box.fill("hello")
    box.press("Enter")
    note = page.locator(".msg.note")
    expect(note).to_have_count(1)  # the error once, not again as the stop reason
    expect(note).to_have_class(re.compile("error"))
    expect(note).to_contain_text("rejected the request (400): the prompt is invalid")
    expect(box).to_be_enabled()
    expect(page.locator(".msg.user")).to_have_attribute("data-id", re.compile("^message-"))  # the stored one


def test_a_letta_p_run_against_the_server_appears_live(tab: Tab, ade_server: LiveServer, letta: Letta) -> None:
    letta.env["LETTA_BASE_URL"] = ade_server.url
    ade_server.model.script([Reply(text="The first answer.")])
    first = letta.run("-p", "first question", "-m", MODEL, "--output-format", "json")
    assert first.returncode == 0, first.stderr
    conv_id = json.loads(first.stdout)["conversation_id"]
    page = tab.open(f"/conversations/{conv_id}")
    expect(page.locator(".msg.assistant")).to_have_text("The first answer.")

    ade_server.model.script(
        [
            Reply(tool_calls=[("conversation_search", {"query": "first"})], delay=0.5),
            Reply(text=WORDS, chunk_delay=0.15),
        ]
    )
    command = [*letta_executable(), "-p", "second question", "-m", MODEL, "--output-format", "stream-json"]
    proc = subprocess.Popen(command, cwd=letta.cwd, env=letta.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        expect(page.locator(".msg.user .msg-text").last).to_have_text("second question", timeout=15_000)
        expect(page.locator(".msg.tool .tool-name")).to_have_text("conversation_search(first)")
        reply = page.locator(".msg.assistant").last
        expect(reply).to_contain_text("word2", timeout=15_000)
        assert proc.poll() is None, "the page should show the reply while letta -p is still running"
        assert "word24" not in reply.inner_text()
        tab.shot("conversation-live")
        expect(reply).to_have_text(WORDS, timeout=15_000)
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    expect(page.locator(".msg.assistant")).to_have_count(2)
    expect(page.locator(".convo-meta")).to_contain_text("6 messages")


SUMMARY = """The failing test expects `add(2, 2)` to be **4**; `add` subtracted. Fixed in `calc.py`:

```python
def add(a, b):
    return a + b
```

All tests pass now."""


def test_a_coding_session_shows_each_tool_call_as_the_terminal_does(
    tab: Tab, ade_server: LiveServer, letta: Letta
) -> None:
    (letta.cwd / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    letta.env["LETTA_BASE_URL"] = ade_server.url
    ade_server.model.script(
        [
            Reply(
                reasoning="First I read the module and look for its tests.",
                tool_calls=[("Read", {"file_path": str(letta.cwd / "calc.py")}), ("Grep", {"pattern": "def add"})],
            ),
            Reply(tool_calls=[("Bash", {"command": "test $(python3 -c 'import calc; print(calc.add(2, 2))') = 4"})]),
            Reply(
                tool_calls=[
                    ("Edit", {"file_path": str(letta.cwd / "calc.py"), "old_string": "a - b", "new_string": "a + b"})
                ]
            ),
            Reply(text=SUMMARY),
        ]
    )
    proc = letta.run("-p", "fix the add function", "-m", MODEL, "--yolo", "--output-format", "json")
    assert proc.returncode == 0, proc.stderr
    assert (letta.cwd / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    page = tab.open(f"/conversations/{json.loads(proc.stdout)['conversation_id']}")
    names = page.locator(".msg.tool .tool-name")
    expect(names).to_have_text(
        [
            f"Read({letta.cwd / 'calc.py'})",
            "Grep(def add)",
            "Bash(test $(python3 -c 'import calc; print(calc.add(2, 2))') = 4)",
            f"Edit({letta.cwd / 'calc.py'})",
        ]
    )
    results = page.locator(".msg.tool .tool-return")
    expect(results.nth(0).locator(".tool-summary")).to_have_text(re.compile(r"^Read \d+ lines?$"))
    expect(results.nth(2).locator(".badge")).to_have_text("error")  # the test failed before the fix
    expect(results.nth(3).locator(".badge")).to_have_text("ok")
    expect(page.locator(".msg.assistant pre code.language-python")).to_contain_text("return a + b")
    page.evaluate("window.scrollTo(0, 0)")
    tab.shot("conversation-session")


def test_a_dropped_stream_resumes_after_the_last_chunk_it_received(tab: Tab, ade_server: LiveServer) -> None:
    _, conv = conversation(ade_server, "convo-resume")
    bodies: list[Any] = []
    cut: list[int] = []

    def drop_the_first_stream(route: Route) -> None:
        bodies.append(route.request.post_data_json)
        if len(bodies) > 1:
            route.continue_()
            return
        frames = [f for f in route.fetch().text().split("\n\n") if '"seq_id"' in f]
        kept = frames[: len(frames) // 2]  # the connection "drops" halfway through the reply
        cut.append(json.loads(kept[-1].removeprefix("data: "))["seq_id"])
        route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body="\n\n".join(kept) + "\n\n")

    tab.page.route("**/v1/runs/*/stream", drop_the_first_stream)
    page = tab.open(f"/conversations/{conv.id}")
    expect(page.locator(".convo-empty")).to_be_visible()
    ade_server.model.script([Reply(text=WORDS, delay=2.0, chunk_delay=0.05)])
    sender = threading.Thread(target=send, args=(ade_server, conv.id, "from the SDK"), kwargs={"stream_tokens": True})
    sender.start()
    try:
        expect(page.locator(".msg.assistant")).to_have_text(WORDS, timeout=20_000)
    finally:
        sender.join(timeout=30)
    assert [b["starting_after"] for b in bodies[:2]] == [0, cut[0]]
    expect(page.locator(".msg.user .msg-text")).to_have_text("from the SDK")


def pending_approval(live: LiveServer, conv_id: str) -> Any:
    with live.client() as sdk:
        return (sdk.conversations.retrieve(conv_id).model_extra or {}).get("pending_approval")


def test_a_pending_approval_waits_for_its_terminal_and_deny_resolves_it(tab: Tab, ade_server: LiveServer) -> None:
    _, conv = conversation(ade_server, "convo-approval")
    ade_server.model.script([Reply(tool_calls=[("Bash", {"command": "rm -rf build"}, "call_rm")])])
    chunks = send(ade_server, conv.id, "clean up", client_tools=[SDK_BASH_TOOL])
    assert chunks[-2].stop_reason == "requires_approval"
    page = tab.open(f"/conversations/{conv.id}")
    call = page.locator(".msg.tool[data-call='call_rm']")
    expect(call.locator(".tool-name")).to_have_text("Bash(rm -rf build)")
    expect(call.locator(".approval")).to_contain_text("Waiting for approval in the terminal that owns it.")
    expect(page.locator(".convo-status")).to_contain_text("waiting for approval")
    tab.shot("conversation-approval")

    # A message while the approval waits: the server's 409 is shown, the text is kept.
    box = page.get_by_role("textbox", name="Message")
    box.fill("hello?")
    box.press("Enter")
    expect(page.locator("form.composer .error")).to_contain_text("waiting for approval")
    expect(box).to_have_value("hello?")
    expect(page.locator(".msg.user")).to_have_count(1)

    ade_server.model.script([Reply(text="Understood, I left the build folder alone.")])
    page.once("dialog", lambda dialog: dialog.accept())
    call.get_by_role("button", name="Deny").click()
    expect(page.locator(".msg.assistant")).to_have_text("Understood, I left the build folder alone.")
    expect(call.locator(".approval")).to_be_hidden()
    denied = call.locator(".tool-result details.tool-return")
    expect(denied.locator(".badge")).to_have_text("error")
    expect(denied.locator(".tool-summary")).to_contain_text("denied")
    assert pending_approval(ade_server, conv.id) is None
    told = [m for m in ade_server.model.last_messages() if m.get("role") == "tool"]
    assert "denied from the ADE" in told[0]["content"]


def long_conversation(live: LiveServer, name: str, n: int) -> tuple[Any, list[Message]]:
    _, conv = conversation(live, name)
    rows = [
        Message(
            id=new_id("message"),
            agent_id=conv.agent_id,
            conversation_id=conv.id,
            role="user" if i % 2 == 0 else "assistant",
            content=[{"type": "text", "text": f"message {i}"}],
            created_at=utcnow(),
        )
        for i in range(n)
    ]
    live.service.conversations.add_messages(rows)
    return conv, rows


def shown(page: Page, i: int) -> Any:
    return page.locator(".transcript .msg").filter(has_text=re.compile(rf"^(User.*)?message {i}$"))


def test_a_long_conversation_opens_at_its_newest_page_and_loads_earlier_ones(tab: Tab, ade_server: LiveServer) -> None:
    conv, rows = long_conversation(ade_server, "convo-long", 10_000)
    started = time.monotonic()
    page = tab.open(f"/conversations/{conv.id}")
    expect(shown(page, 9999)).to_be_visible()
    assert time.monotonic() - started < 3
    expect(page.locator(".convo-meta")).to_contain_text("10,000 messages")
    expect(page.locator(".transcript .msg")).to_have_count(50)
    expect(shown(page, 9999)).to_be_in_viewport()  # opened at the bottom
    expect(shown(page, 9949)).to_have_count(0)
    page.get_by_role("button", name="Load earlier messages").click()
    expect(shown(page, 9949)).to_have_count(1)
    expect(shown(page, 9900)).to_have_count(1)

    # A link to an old message (a search result) loads pages until it is there, then shows it.
    target = rows[8_200].id
    tab.open(f"/conversations/{conv.id}/{target}")
    found = page.locator(f".msg[data-id='{target}']")
    expect(found).to_have_class(re.compile("highlight"))
    expect(found).to_be_in_viewport()
    expect(found).to_have_text(re.compile("message 8200$"))


def test_the_conversation_page_on_a_phone(chromium: Browser, ade_server: LiveServer, tmp_path: Path) -> None:
    _, conv = conversation(ade_server, "convo-phone")
    ade_server.model.script(
        [
            Reply(reasoning="Did we talk about add before?", tool_calls=[("conversation_search", {"query": "add"})]),
            Reply(text=SUMMARY),
        ]
    )
    send(ade_server, conv.id, "why does test_add fail?")
    for tab in open_tab(chromium, ade_server.url, tmp_path, PHONE):
        page = tab.open(f"/conversations/{conv.id}")
        expect(page.locator(".msg.assistant pre code")).to_contain_text("return a + b")
        expect(page.get_by_role("textbox", name="Message")).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        tab.shot("conversation-phone")
