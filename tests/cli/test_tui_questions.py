"""AskUserQuestion in the TUI: the picker (scripted picks on a string console) and, in a real
terminal (tmux), the model's questions answered by keys, the answers in the next request."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from letta_code.cli.tui.questions import OTHER, QuestionPicker, answers_summary
from letta_code.cli.tui.view import TurnView
from letta_code.cli.tui.widgets import INTERRUPT
from letta_code.harness.executor import PendingCall
from letta_code.harness.questions import Answer, Option, Question
from letta_code.testing import ModelServer, Reply
from letta_code.tools.base import ToolResult
from tests.cli.test_tui_terminal import Terminal, start
from tests.conftest import Letta

DATABASE = Question(
    "Which database should we use?", "Database", (Option("PostgreSQL", "the usual"), Option("SQLite", "one file"))
)
EXTRAS = Question("Which extras?", "Extras", (Option("Auth"), Option("Search")), multi_select=True)


class Scripted:
    """The picker's choose and ask_text, answering from lists; records what was shown."""

    def __init__(self, picks: list[int | None], typed: list[str | None] | None = None) -> None:
        self.picks, self.typed = picks, list(typed or [])
        self.shown: list[tuple[str, list[str]]] = []
        self.suspended = self.interrupted = 0

    async def choose(self, title: str, options: list[str], *, default: int = 0) -> int | None:
        self.shown.append((title, options))
        return self.picks.pop(0)

    async def ask_text(self, question: str) -> str | None:
        return self.typed.pop(0)

    @contextlib.contextmanager
    def suspend(self) -> Iterator[None]:
        self.suspended += 1
        yield

    def picker(self) -> tuple[QuestionPicker, io.StringIO]:
        buf = io.StringIO()
        console = Console(file=buf, width=80, color_system=None)

        def interrupt() -> None:
            self.interrupted += 1

        picker = QuestionPicker(
            console, choose=self.choose, ask_text=self.ask_text, suspend=self.suspend, on_interrupt=interrupt
        )
        return picker, buf


def test_one_pick_per_question_with_the_options_and_other() -> None:
    script = Scripted([1, 0, 3])
    picker, _ = script.picker()
    answers = asyncio.run(picker([DATABASE, EXTRAS]))
    assert answers == [Answer(("SQLite",)), Answer(("Auth",))]
    title, options = script.shown[0]
    assert title == "(1/2) [Database] Which database should we use?"
    assert options == ["PostgreSQL — the usual", "SQLite — one file", OTHER]
    assert script.shown[1][1] == ["[ ] Auth", "[ ] Search", f"[ ] {OTHER}", "Done"]
    assert script.shown[2][1][0] == "[x] Auth"  # ticked, then Done
    assert script.suspended == 1  # the turn view and key watcher pause once around all questions


def test_other_takes_typed_text_and_an_empty_answer_goes_back_to_the_list() -> None:
    script = Scripted([2, 2, 1, 2, 0, 3], typed=["", "  MySQL   8 ", "rate limits"])
    picker, _ = script.picker()
    answers = asyncio.run(picker([DATABASE, EXTRAS]))
    # Database: Other with nothing typed (back to the list), Other again: "MySQL 8".
    # Extras: tick Search, Other ("rate limits"), tick Auth, Done.
    assert answers == [Answer(other="MySQL 8"), Answer(("Auth", "Search"), other="rate limits")]
    assert script.shown[-1][1][2] == '[x] Other: "rate limits"'


def test_esc_dismisses_and_ctrl_c_interrupts_the_turn() -> None:
    script = Scripted([None])
    picker, buf = script.picker()
    assert asyncio.run(picker([DATABASE])) is None
    assert "Questions dismissed" in buf.getvalue() and script.interrupted == 0
    script = Scripted([0, INTERRUPT])
    picker, buf = script.picker()
    assert asyncio.run(picker([DATABASE, EXTRAS])) is None
    assert "Interrupted" in buf.getvalue() and script.interrupted == 1


def test_the_turn_view_shows_each_question_with_its_answer(tmp_path: Path) -> None:
    output = "The user answered your questions:\n· Which database? → SQLite\n· Which extras? → Auth\nGo on."
    buf = io.StringIO()
    view = TurnView(Console(file=buf, width=80, color_system=None), cwd=tmp_path, live=False)
    call = PendingCall("call-1", "AskUserQuestion", '{"questions": []}')
    view.on_tool(call, "start", None, 0.0)
    view.on_tool(call, "end", ToolResult(output), 0.1)
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    assert lines == ["● AskUserQuestion", "  ⎿  Which database? → SQLite", "     Which extras? → Auth"]
    dismissed = answers_summary("The user dismissed your questions without answering.", "error", 80)
    assert dismissed.plain.startswith("  ⎿  The user dismissed your questions")


@pytest.mark.slow
def test_the_user_answers_the_models_questions_in_the_terminal(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    todos = [
        {"content": "Explore the code", "status": "completed", "activeForm": "Exploring the code"},
        {"content": "Pick a database", "status": "in_progress", "activeForm": "Picking a database"},
        {"content": "Write the schema", "status": "pending", "activeForm": "Writing the schema"},
    ]
    questions = [
        {
            "question": "Which database should we use?",
            "header": "Database",
            "options": [
                {"label": "PostgreSQL", "description": "the usual"},
                {"label": "SQLite", "description": "one file"},
            ],
            "multiSelect": False,
        },
        {
            "question": "Which extras do you want?",
            "header": "Extras",
            "options": [{"label": "Auth", "description": "logins"}, {"label": "Search", "description": "full text"}],
            "multiSelect": True,
        },
    ]
    model_server.script(
        [
            Reply(tool_calls=[("TodoWrite", {"todos": todos})]),
            Reply(tool_calls=[("AskUserQuestion", {"questions": questions})]),
            Reply(text="Going with SQLite, Auth and rate limits."),
        ]
    )
    term = start(terminals, letta)
    term.say("set up the database")
    # The todo list under the TodoWrite call, then the first question's picker.
    term.wait_for("☒ Explore the code", "◐ Picking a database", "☐ Write the schema")
    term.wait_for("(1/2) [Database] Which database should we use?", "2. SQLite — one file", "3. Other: type an answer")
    term.keys("2")
    term.wait_for("(2/2) [Extras] Which extras do you want?", "[ ] Auth — logins", "4. Done")
    term.keys("1")
    term.wait_for("[x] Auth — logins")
    term.keys("3")  # Other: type an answer
    term.wait_for("Your answer")
    term.type("rate limits")
    term.keys("Enter")
    term.wait_for('[x] Other: "rate limits"')
    term.keys("4")
    screen = term.wait_for("Going with SQLite, Auth and rate limits.")
    assert "Which database should we use? → SQLite" in screen  # the answers, under the call
    assert 'Which extras do you want? → Auth, "rate limits" (typed by the user)' in screen
    result = [m for m in model_server.last_messages() if m.get("role") == "tool"][-1]
    assert "· Which database should we use? → SQLite" in str(result["content"])
    assert '· Which extras do you want? → Auth, "rate limits" (typed by the user)' in str(result["content"])
    assert "Do you want to proceed?" not in screen  # neither tool asked for permission

    term.say("/todos")
    term.wait_line("  ◐ Picking a database")
