"""Reflection and the memory commands in the real terminal UI (tmux): a due pass runs in the
background and is announced above the prompt, `#text` files a note, `/reflect` runs a pass
now, and `/exit` reviews the turns no pass covered yet."""

from __future__ import annotations

import json

import pytest

from letta_code.testing import ModelServer, Reply
from tests.cli.test_tui_terminal import Terminal, start
from tests.conftest import Letta

pytestmark = pytest.mark.slow


def _edit(label: str, text: str, delay: float = 0.0) -> Reply:
    return Reply(tool_calls=[("memory_insert", {"label": label, "new_str": text})], delay=delay)


def test_background_pass_remember_and_exit_pass(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    letta.env["LETTA_REFLECTION_EVERY"] = "2"
    model_server.script(
        [
            "one",
            "two",
            _edit("project", "- tests: make check", delay=1.0),  # the background pass
            "Recorded the test command.",
            _edit("human", "- indents with tabs"),  # `#` note
            "Filed in human.",
            "Nothing more to keep.",  # the pass at /exit
        ]
    )
    term = start(terminals, letta)
    term.say("tests run with make check")
    term.wait_for("one")
    term.say("second")
    term.wait_for("two")
    term.wait_ready()  # the prompt is back while the pass still runs
    term.wait_for("memory updated by reflection: project +1 line — /memory to see")
    reflection = model_server.model_requests[2]
    assert "tests run with make check" in json.dumps(reflection["messages"])

    term.say("#I indent with tabs")
    term.wait_for("Filed in human.")
    assert "I indent with tabs" in model_server.model_requests[4]["messages"][-1]["content"]

    term.say("/memory")
    term.wait_for("- tests: make check", "- indents with tabs")

    term.say("/exit")
    screen = term.wait_for("reflection: memory unchanged", "Session stats", "[letta exited 0]")
    assert "Reflecting on the work since the last pass" in screen
    assert "I indent with tabs" in json.dumps(model_server.model_requests[6]["messages"])


def test_reflect_command_reports_nothing_new(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    model_server.script(["hello", _edit("project", "- greets"), "ok"])
    term = start(terminals, letta)
    term.say("hi")
    term.wait_for("hello")
    term.say("/reflect")
    term.wait_for("memory updated by reflection: project +1 line")
    term.say("/reflect")
    term.wait_for("reflection: nothing new to reflect on since the last pass")
    assert len(model_server.model_requests) == 3
    term.say("/remember")
    term.wait_for("Usage: /remember <text>")
