"""A background command that ends while the interactive `letta` waits for input wakes the
agent, in a real terminal (tmux): with nothing typed, its `<task-notification>` starts a
turn by itself; while the user is typing, a dim line promises it and it goes with the
user's next message."""

from __future__ import annotations

import pytest

from letta_code.testing import ModelServer, Reply
from tests.cli.test_tui_terminal import Terminal, start
from tests.conftest import Letta

pytestmark = pytest.mark.slow


def in_background(command: str) -> Reply:
    return Reply(tool_calls=[("Bash", {"command": command, "run_in_background": True})])


def test_a_finished_background_command_wakes_the_idle_prompt(
    letta: Letta, model_server: ModelServer, terminals: list[Terminal]
) -> None:
    model_server.script(
        [
            in_background("sleep 1; echo done-marker"),
            Reply(text="Started it."),
            Reply(text="The job printed its marker."),
            in_background("sleep 2; echo second-marker"),
            Reply(text="Started another."),
            Reply(text="Hello, and the second job is done."),
        ]
    )
    term = start(terminals, letta, "--yolo")
    term.say("start the job")
    term.wait_for("Started it.")
    # Nobody types: about a second later the end starts a turn of its own.
    model_server.wait_for_requests(3, timeout=15)
    told = model_server.last_user_text()
    assert told.startswith("<task-notification>\n<bash-id>bash_1</bash-id>")
    assert "exit code 0" in told and "done-marker" in told
    term.wait_for("⏺ background command bash_1 finished (exit 0)", "The job printed its marker.")
    term.wait_ready()

    term.say("start another")
    term.wait_for("Started another.")
    term.wait_ready()
    term.type("hello")  # typing: the end must not take the prompt away
    term.wait_for("background command bash_2 finished; it will be reported with your next message", timeout=15)
    assert len(model_server.model_requests) == 5
    term.keys("Enter")
    model_server.wait_for_requests(6, timeout=15)
    told = model_server.last_user_text()
    assert told.startswith("<task-notification>\n<bash-id>bash_2</bash-id>") and "second-marker" in told
    assert told.endswith("</task-notification>\n\nhello")
    term.wait_for("Hello, and the second job is done.")
    term.say("/exit")
    term.wait_for("[letta exited 0]")
