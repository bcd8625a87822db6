"""Coming back to a conversation in a real terminal (tmux): the `/resume` picker's
previews and the replay of where a resumed conversation left off."""

from __future__ import annotations

import re

import pytest

from letta_code.testing import ModelServer, Reply
from tests.cli.test_tui_terminal import MODEL, Terminal, picker_options, start
from tests.conftest import Letta

pytestmark = pytest.mark.slow


def test_the_picker_shows_each_conversations_first_request(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    model_server.script([Reply(text="a1"), Reply(text="a2"), Reply(text="b1")])
    assert letta.run("-p", "plan the garden party", *MODEL).returncode == 0
    assert letta.run("-p", "and who to invite", *MODEL).returncode == 0
    assert letta.run("-p", "refactor the billing module", "--new", *MODEL).returncode == 0
    term = start(terminals, letta, "--resume")
    screen = term.wait_for("Resume a conversation", "(4 messages)", "(2 messages)")
    labels = [label for _, label in picker_options(screen)]
    assert len(labels) == 2, screen
    assert "refactor the billing module  (2 messages)" in labels[0]  # the newest first
    assert "plan the garden party  (4 messages)" in labels[1]  # its first request, not its last
    assert all("conv-" not in label and "default" not in label for label in labels)
    term.keys("Escape")
    term.wait_for("Conversation unchanged.")
    term.wait_ready()


def test_plain_letta_replays_the_last_three_exchanges(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    model_server.script(
        [
            Reply(text="answer one"),
            Reply(text="answer two"),
            Reply(tool_calls=[("Bash", {"command": "echo from-the-tool"})]),
            Reply(text="answer three\nwith a second line"),
            Reply(text="answer four"),
            Reply(text="Picking up from there."),
        ]
    )
    for question in ("question one", "question two", "question three", "question four"):
        assert letta.run("-p", question, *MODEL).returncode == 0
    term = start(terminals, letta, color=True)
    screen = term.wait_for("Where you left off:", "> question four", "● answer four")
    replay = screen[screen.index("Where you left off:") :]
    assert "question one" not in replay and "answer one" not in replay
    lines = [line.rstrip() for line in replay.splitlines()]
    assert lines[1:9] == [
        "> question two",
        "● answer two",
        "> question three",
        "  ● 1 tool call: Bash(echo from-the-tool)",
        "● answer three",
        "  with a second line",
        "> question four",
        "● answer four",
    ], replay
    assert "from-the-tool\n" not in replay.replace("Bash(echo from-the-tool)", "")  # the call, not its output
    coloured = term.screen(escapes=True)
    assert re.search(r"\x1b\[(?:[0-9]*;)*2m(?:\x1b\[[0-9;]*m)*question four\n● answer four", coloured)  # dimmed
    term.say("go on")
    term.wait_for("Picking up from there.")
    assert "answer four" in str(model_server.last_messages())  # the same conversation goes on


def test_a_new_conversation_has_nothing_to_replay(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    model_server.script([Reply(text="an answer")])
    assert letta.run("-p", "an old question", *MODEL).returncode == 0
    term = start(terminals, letta, "--new")
    term.wait_ready()
    assert "Where you left off" not in term.screen() and "an old question" not in term.screen()
