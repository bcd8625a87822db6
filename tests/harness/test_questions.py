"""The AskUserQuestion tool: its arguments, the result the model reads, and its place under
the permission checker (the real executor and checker; the asker is the front end's seam)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from letta_code.harness.executor import PendingCall, ToolExecutor, UserAnswer
from letta_code.harness.questions import (
    ASK_TOOL,
    ASK_TOOL_SCHEMA,
    NO_USER,
    Answer,
    ArgumentError,
    Question,
    QuestionTool,
    answered_lines,
    parse_questions,
)
from letta_code.permissions import Decision, PermissionChecker
from letta_code.testing import ModelServer, Reply
from letta_code.tools.base import ToolSession
from tests.conftest import Letta


def question(text: str = "Which database should we use?", **extra: Any) -> dict[str, Any]:
    return {
        "question": text,
        "header": "Database",
        "options": [
            {"label": "PostgreSQL", "description": "the usual"},
            {"label": "SQLite", "description": "one file"},
        ],
        "multiSelect": False,
        **extra,
    }


def test_the_arguments_become_questions_with_their_options() -> None:
    parsed = parse_questions({"questions": [question(), question("Which  extras?\n", multiSelect=True)]})
    assert [q.question for q in parsed] == ["Which database should we use?", "Which extras?"]
    assert [o.label for o in parsed[0].options] == ["PostgreSQL", "SQLite"]
    assert parsed[0].options[1].description == "one file"
    assert parsed[1].multi_select and not parsed[0].multi_select


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ({}, "questions must be a list of 1 to 4 questions"),
        ({"questions": []}, "questions must be a list of 1 to 4 questions"),
        ({"questions": [question(f"Q{i}?") for i in range(5)]}, "questions must be a list of 1 to 4"),
        ({"questions": ["which?"]}, "questions[0] must be an object"),
        ({"questions": [question(" ")]}, "questions[0].question must be a non-empty string"),
        ({"questions": [question(), question()]}, "questions[1].question repeats an earlier question"),
        ({"questions": [question(header=3)]}, "questions[0].header must be a non-empty string"),
        ({"questions": [question(options=[{"label": "A", "description": ""}])]}, "2 to 4 options"),
        (
            {"questions": [question(options=[{"label": "A"}, {"label": "A"}])]},
            "questions[0].options[1].label repeats the label 'A'",
        ),
        ({"questions": [question(options=[{"label": "A"}, "B"])]}, "questions[0].options[1] must be an object"),
        ({"questions": [question(multiSelect="yes")]}, "questions[0].multiSelect must be true or false"),
    ],
)
def test_bad_arguments_are_an_error_result_naming_the_problem(args: dict[str, Any], problem: str) -> None:
    with pytest.raises(ArgumentError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        parse_questions(args)
    asked: list[list[Question]] = []

    async def asker(questions: list[Question]) -> list[Answer] | None:
        asked.append(questions)
        return []

    result = asyncio.run(QuestionTool(asker).run_tool(args))
    assert result.status == "error" and result.output.startswith("Error: ") and problem in result.output
    assert not asked  # nobody is asked a malformed question


def test_the_result_names_each_question_and_its_answer() -> None:
    async def asker(questions: list[Question]) -> list[Answer] | None:
        return [Answer(("SQLite",)), Answer(("Auth", "Search"), other="rate limits")]

    extras = question("Which extras?", options=[{"label": "Auth"}, {"label": "Search"}], multiSelect=True)
    result = asyncio.run(QuestionTool(asker).run_tool({"questions": [question(), extras]}))
    assert result.status == "success"
    assert result.output.splitlines() == [
        "The user answered your questions:",
        "· Which database should we use? → SQLite",
        '· Which extras? → Auth, Search, "rate limits" (typed by the user)',
        "Go on with these answers in mind.",
    ]
    assert answered_lines(result.output) == [
        "Which database should we use? → SQLite",
        'Which extras? → Auth, Search, "rate limits" (typed by the user)',
    ]


def test_dismissed_questions_and_headless_sessions_tell_the_model_to_go_on() -> None:
    async def dismiss(questions: list[Question]) -> list[Answer] | None:
        return None

    dismissed = asyncio.run(QuestionTool(dismiss).run_tool({"questions": [question()]}))
    assert dismissed.status == "error" and "dismissed your questions without answering" in dismissed.output
    headless = asyncio.run(QuestionTool().run_tool({"questions": [question()]}))
    assert (headless.status, headless.output) == ("error", NO_USER)
    assert "proceed with your best judgement and say what you assumed" in NO_USER


def test_the_schema_is_short_and_claude_codes_shape() -> None:
    assert len(ASK_TOOL_SCHEMA["description"]) < 200
    item = ASK_TOOL_SCHEMA["parameters"]["properties"]["questions"]["items"]
    assert item["required"] == ["question", "header", "options", "multiSelect"]
    assert set(item["properties"]["options"]["items"]["properties"]) == {"label", "description"}


def run_ask(tmp_path: Path, **checker: Any) -> tuple[dict[str, Any], list[str]]:
    """One AskUserQuestion call through the real executor and permission checker."""
    asked: list[str] = []

    async def asker(questions: list[Question]) -> list[Answer] | None:
        asked.append(questions[0].question)
        return [Answer(("PostgreSQL",))]

    async def no_permission_prompt(call: PendingCall, decision: Decision) -> UserAnswer:
        raise AssertionError("asking a question needs no permission prompt")

    executor = ToolExecutor(
        ToolSession(cwd=tmp_path),
        PermissionChecker(checker.pop("mode", "default"), cwd=tmp_path, **checker),
        no_permission_prompt,
        special_tools={ASK_TOOL: QuestionTool(asker).run_tool},
    )
    call = PendingCall("call-1", ASK_TOOL, json.dumps({"questions": [question()]}))
    [item] = asyncio.run(executor.run_calls([call]))
    return dict(item), asked


@pytest.mark.parametrize("mode", ["default", "plan", "strict"])
def test_the_tool_never_asks_permission(tmp_path: Path, mode: str) -> None:
    item, asked = run_ask(tmp_path, mode=mode)
    assert item["status"] == "success" and "→ PostgreSQL" in str(item["tool_return"])
    assert asked == ["Which database should we use?"]


def test_a_deny_rule_stops_the_tool_before_anyone_is_asked(tmp_path: Path) -> None:
    item, asked = run_ask(tmp_path, deny=[ASK_TOOL])
    assert item["status"] == "error" and str(item["tool_return"]).startswith("Permission denied")
    assert not asked


def test_headless_letta_tells_the_model_to_proceed_on_its_best_judgement(
    letta: Letta, model_server: ModelServer
) -> None:
    model_server.script(
        [Reply(tool_calls=[(ASK_TOOL, {"questions": [question()]})]), Reply(text="I assumed PostgreSQL.")]
    )
    proc = letta.run("-p", "set up the database", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "I assumed PostgreSQL.\n"
    assert ASK_TOOL in model_server.last_tools()
    [result] = [m for m in model_server.last_messages() if m.get("role") == "tool"]
    assert "No user can answer questions in this session (headless)" in str(result["content"])
    assert "proceed with your best judgement" in str(result["content"])


def test_the_tools_flag_offers_the_tool_only_when_it_names_it(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok"), Reply(text="ok")])
    assert letta.run("-p", "hi", "--tools", "Read,AskUserQuestion", "-m", "openai/gpt-4.1").returncode == 0
    assert {"Read", ASK_TOOL} <= set(model_server.last_tools())
    assert letta.run("-p", "hi", "--tools", "Read", "-m", "openai/gpt-4.1").returncode == 0
    assert ASK_TOOL not in model_server.last_tools()
