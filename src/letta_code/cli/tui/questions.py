"""The TUI's answer to AskUserQuestion: a picker per question, and the summary of the answers.

`QuestionPicker` is the session's `QuestionAsker` (`harness/questions.py`). While it asks
it pauses the turn view and the key watcher (`suspend`, as approvals do). A question is
one `choose` list of its options plus "Other: type an answer" (a line of free text);
a multiSelect question is a toggle list: picking an option ticks or unticks it, and
"Done" ends it. Esc dismisses the questions (the model is told the user did not answer);
Ctrl-C interrupts the turn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager

from rich.console import Console
from rich.text import Text

from letta_code.cli.tui import render
from letta_code.cli.tui.command_env import Chooser
from letta_code.cli.tui.widgets import INTERRUPT
from letta_code.harness.questions import Answer, Question, answered_lines

OTHER = "Other: type an answer"
DONE = "Done"
OTHER_PROMPT = "  Your answer (enter to go back): "

Asker = Callable[[str], Awaitable[str | None]]


class _Dismissed(Exception):
    """Esc (or Ctrl-C) in a picker: no answers go back."""


def option_line(label: str, description: str, width: int) -> str:
    """An option as the picker lists it: the label, then its description, on one line."""
    return render.clip(f"{label} — {description}" if description else label, max(width, 10))


def picker_title(question: Question, index: int, count: int) -> str:
    counter = f"({index + 1}/{count}) " if count > 1 else ""
    hint = " (pick any; Done when finished)" if question.multi_select else ""
    return f"{counter}[{question.header}] {question.question}{hint}"


class QuestionPicker:
    """`QuestionAsker` of the TUI: asks each question in turn, returns the answers (None: dismissed)."""

    def __init__(
        self,
        console: Console,
        *,
        choose: Chooser,
        ask_text: Asker,
        suspend: Callable[[], AbstractContextManager[None]],
        on_interrupt: Callable[[], None],
    ) -> None:
        self.console = console
        self.choose = choose
        self.ask_text = ask_text
        self.suspend = suspend
        self.on_interrupt = on_interrupt

    async def __call__(self, questions: list[Question]) -> list[Answer] | None:
        with self.suspend():
            answers: list[Answer] = []
            try:
                for i, question in enumerate(questions):
                    title = picker_title(question, i, len(questions))
                    ask = self._many if question.multi_select else self._one
                    answers.append(await ask(title, question))
            except _Dismissed:
                return None
            return answers

    async def _pick(self, title: str, options: list[str], default: int = 0) -> int:
        picked = await self.choose(title, options, default=default)
        if picked == INTERRUPT:
            self.console.print(render.result_line("Interrupted", "interrupted"))
            self.on_interrupt()
            raise _Dismissed
        if picked is None or picked < 0:
            self.console.print(render.result_line("Questions dismissed", "interrupted"))
            raise _Dismissed
        return picked

    def _lines(self, question: Question, marks: list[str] | None = None) -> list[str]:
        width = self.console.width - 12
        return [
            (marks[i] if marks else "") + option_line(o.label, o.description, width)
            for i, o in enumerate(question.options)
        ]

    async def _typed(self) -> str | None:
        """The user's own answer, on one line (None: they typed nothing, or pressed Esc)."""
        return " ".join((await self.ask_text(OTHER_PROMPT) or "").split()) or None

    async def _one(self, title: str, question: Question) -> Answer:
        options = [*self._lines(question), OTHER]
        while True:
            picked = await self._pick(title, options)
            if picked < len(question.options):
                return Answer((question.options[picked].label,))
            typed = await self._typed()
            if typed:
                return Answer(other=typed)

    async def _many(self, title: str, question: Question) -> Answer:
        chosen: set[int] = set()
        other: str | None = None
        at = 0
        while True:
            marks = ["[x] " if i in chosen else "[ ] " for i in range(len(question.options))]
            extra = f'[x] Other: "{other}"' if other else f"[ ] {OTHER}"
            options = [*self._lines(question, marks), extra, DONE]
            at = await self._pick(title, options, default=at)
            if at < len(question.options):
                chosen ^= {at}
            elif at == len(question.options):
                other = None if other else await self._typed()
            else:
                labels = tuple(o.label for i, o in enumerate(question.options) if i in chosen)
                return Answer(labels, other)


def answers_summary(output: str, status: str, width: int) -> Text:
    """What the turn view prints under an AskUserQuestion call: each `question → answer`
    (an error or a dismissal as its one line)."""
    lines = answered_lines(output) if status == "success" else []
    if not lines:
        return render.result_line(render.result_summary("AskUserQuestion", output, status, width - 6), status)
    out = Text()
    for n, line in enumerate(lines):
        out.append(render.RESULT_PREFIX if n == 0 else " " * len(render.RESULT_PREFIX), style="dim")
        out.append(render.clip(line, max(width - 6, 10)))
        if n < len(lines) - 1:
            out.append("\n")
    return out
