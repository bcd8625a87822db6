"""Subagents in the real terminal UI (tmux): a running Task call shows what its subagent is
doing, the subagent's command asks the user in the parent's approval prompt labelled with the
subagent, a background task's answer wakes the idle prompt, and /agents lists the types."""

from __future__ import annotations

import pytest

from letta_code.testing import ModelServer, Reply
from tests.cli.test_tui_terminal import Terminal, start
from tests.conftest import Letta

pytestmark = pytest.mark.slow


def task(prompt: str, **extra: object) -> Reply:
    args = {"description": "check the build", "prompt": prompt, "subagent_type": "general-purpose", **extra}
    return Reply(tool_calls=[("Task", args)])


def test_a_subagents_command_is_shown_and_asked_in_the_parents_prompt(
    letta: Letta, model_server: ModelServer, terminals: list[Terminal]
) -> None:
    marker = letta.cwd / "built.txt"
    model_server.script(
        [
            task("Run the build."),
            Reply(tool_calls=[("Bash", {"command": f"touch {marker}"})], delay=1.5),
            Reply(text="The build ran."),
            Reply(text="All done: the subagent ran the build."),
        ]
    )
    term = start(terminals, letta)
    term.say("build it")
    # While the subagent thinks, the Task line shows it under the call.
    term.wait_for("Task(check the build)", "⎿ general-purpose: thinking…")
    # Its Bash call asks in the parent's approval prompt, labelled with the subagent.
    term.wait_for("subagent general-purpose: needs approval", "Do you want to proceed?")
    term.keys("1")
    term.wait_for("All done: the subagent ran the build.")
    assert marker.exists()
    term.wait_ready()


def test_a_background_task_wakes_the_idle_prompt_and_agents_lists_the_types(
    letta: Letta, model_server: ModelServer, terminals: list[Terminal]
) -> None:
    model_server.script(
        [
            task("Look around.", run_in_background=True),
            lambda request: (
                Reply(text="Started it in the background.")
                if "in the background" in str(request["messages"][-1].get("content"))
                else Reply(text="BACKGROUND-ANSWER: nothing to report.", delay=1.0)
            ),
            lambda request: (
                Reply(text="Started it in the background.")
                if "in the background" in str(request["messages"][-1].get("content"))
                else Reply(text="BACKGROUND-ANSWER: nothing to report.", delay=1.0)
            ),
            Reply(text="The background task reported back."),
        ]
    )
    term = start(terminals, letta)
    term.say("look around in the background")
    term.wait_for("Started it in the background.")
    model_server.wait_for_requests(4, timeout=20)
    told = model_server.last_user_text()
    assert "<task-notification>" in told and "BACKGROUND-ANSWER" in told
    term.wait_for("⏺ background subagent task finished", "The background task reported back.")
    term.wait_ready()
    term.say("/agents")
    term.wait_for("general-purpose", "explore", "fork")
