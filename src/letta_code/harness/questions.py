"""The AskUserQuestion tool: the model asks the user 1-4 multiple-choice questions.

A harness-side tool (like `Skill`): the executor runs it after the permission checker
(a deny rule stops it; nothing asks permission for it). The arguments are Claude Code's:
`questions`, each `{question, header, options: [{label, description}], multiSelect}`.

Who answers is the front end's `QuestionAsker`, set on `QuestionTool.asker`: the TUI's
picker (`cli/tui/questions.py`); with none (`letta -p`) nobody can, and the result tells
the model to go on with its best judgement. A host that drives letta over stream-json
input would supply an asker that forwards the questions to it as a control request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from letta_code.schemas.chunks import ClientToolSchema, ToolArguments
from letta_code.tools.base import ToolResult

ASK_TOOL = "AskUserQuestion"
MIN_QUESTIONS, MAX_QUESTIONS = 1, 4
MIN_OPTIONS, MAX_OPTIONS = 2, 4
ANSWER_MARK = "· "  # each answered question is one line of the result, starting with this
ANSWERED_HEAD = "The user answered your questions:"
ANSWERED_TAIL = "Go on with these answers in mind."
DECLINED = (
    "The user dismissed your questions without answering. Go on with your best judgement and "
    "say what you assumed, or ask again in your reply."
)
NO_USER = (
    "No user can answer questions in this session (headless); proceed with your best judgement "
    "and say what you assumed."
)

_OPTION_SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "description": "The choice, 1-5 words"},
        "description": {"type": "string", "description": "What this choice means"},
    },
    "required": ["label", "description"],
}

ASK_TOOL_SCHEMA: ClientToolSchema = {
    "name": ASK_TOOL,
    "description": (
        "Ask the user 1-4 multiple-choice questions when you need their decision or preference "
        "to go on. The user may also type their own answer."
    ),
    "parameters": {
        "type": "object",
        "properties": {
            "questions": {
                "type": "array",
                "minItems": MIN_QUESTIONS,
                "maxItems": MAX_QUESTIONS,
                "items": {
                    "type": "object",
                    "properties": {
                        "question": {"type": "string", "description": "The full question, ending with '?'"},
                        "header": {"type": "string", "description": "A short label for it (max 12 chars)"},
                        "options": {
                            "type": "array",
                            "minItems": MIN_OPTIONS,
                            "maxItems": MAX_OPTIONS,
                            "items": _OPTION_SCHEMA,
                        },
                        "multiSelect": {"type": "boolean", "description": "true: the user may pick several"},
                    },
                    "required": ["question", "header", "options", "multiSelect"],
                },
            }
        },
        "required": ["questions"],
    },
}


@dataclass(frozen=True)
class Option:
    label: str
    description: str = ""


@dataclass(frozen=True)
class Question:
    question: str
    header: str
    options: tuple[Option, ...]
    multi_select: bool = False


@dataclass(frozen=True)
class Answer:
    """What the user said to one question: the labels they picked, and their own words if they typed."""

    labels: tuple[str, ...] = ()
    other: str | None = None


# The questions -> one answer per question, in order; None when the user dismissed them.
QuestionAsker = Callable[[list[Question]], Awaitable[list[Answer] | None]]


class ArgumentError(ValueError):
    """The model's `questions` are not what the tool takes; the message is its error result."""


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ArgumentError(f"{where} must be a non-empty string")
    return " ".join(value.split())  # one line: the picker and the result show it on one


def parse_questions(args: ToolArguments) -> list[Question]:
    """The tool's arguments as `Question`s; ArgumentError says what is wrong with them."""
    raw = args.get("questions")
    if not isinstance(raw, list) or not MIN_QUESTIONS <= len(raw) <= MAX_QUESTIONS:
        raise ArgumentError(f"questions must be a list of {MIN_QUESTIONS} to {MAX_QUESTIONS} questions")
    questions: list[Question] = []
    for i, item in enumerate(raw):
        where = f"questions[{i}]"
        if not isinstance(item, dict):
            raise ArgumentError(f"{where} must be an object with question, header, options and multiSelect")
        text = _text(item.get("question"), f"{where}.question")
        if text in (q.question for q in questions):
            raise ArgumentError(f"{where}.question repeats an earlier question")
        header = _text(item.get("header"), f"{where}.header")
        options = item.get("options")
        if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise ArgumentError(f"{where}.options must be a list of {MIN_OPTIONS} to {MAX_OPTIONS} options")
        parsed: list[Option] = []
        for j, option in enumerate(options):
            at = f"{where}.options[{j}]"
            if not isinstance(option, dict):
                raise ArgumentError(f"{at} must be an object with label and description")
            label = _text(option.get("label"), f"{at}.label")
            if label in (o.label for o in parsed):
                raise ArgumentError(f"{at}.label repeats the label {label!r}")
            description = option.get("description")
            if description is not None and not isinstance(description, str):
                raise ArgumentError(f"{at}.description must be a string")
            parsed.append(Option(label, " ".join((description or "").split())))
        multi = item.get("multiSelect", False)
        if not isinstance(multi, bool):
            raise ArgumentError(f"{where}.multiSelect must be true or false")
        questions.append(Question(text, header, tuple(parsed), multi))
    return questions


def answer_text(answer: Answer) -> str:
    """One answer as the result (and the TUI) shows it: the labels, then the user's own words."""
    parts = list(answer.labels)
    if answer.other:
        parts.append(f'"{answer.other}" (typed by the user)')
    return ", ".join(parts) if parts else "(nothing selected)"


def answered_result(questions: list[Question], answers: list[Answer]) -> ToolResult:
    """What the model reads when the user answered: each question and its answer, one a line."""
    lines = [f"{ANSWER_MARK}{q.question} → {answer_text(a)}" for q, a in zip(questions, answers, strict=True)]
    return ToolResult("\n".join([ANSWERED_HEAD, *lines, ANSWERED_TAIL]))


def answered_lines(output: str) -> list[str]:
    """The `question → answer` lines of an answered result (for the TUI's summary of the call)."""
    return [line[len(ANSWER_MARK) :] for line in output.splitlines() if line.startswith(ANSWER_MARK)]


class QuestionTool:
    """The AskUserQuestion tool of one session; `asker` None means nobody can answer (headless)."""

    def __init__(self, asker: QuestionAsker | None = None) -> None:
        self.asker = asker

    async def run_tool(self, args: ToolArguments) -> ToolResult:
        try:
            questions = parse_questions(args)
        except ArgumentError as exc:
            return ToolResult(f"Error: {exc}", "error")
        if self.asker is None:
            return ToolResult(NO_USER, "error")
        answers = await self.asker(questions)
        if answers is None:
            return ToolResult(DECLINED, "error")
        if len(answers) != len(questions):  # an asker's bug, reported to the model as one
            return ToolResult(f"Error: got {len(answers)} answers to {len(questions)} questions", "error")
        return answered_result(questions, answers)
