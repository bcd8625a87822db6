"""Finding a prompt command by name, the model its turn runs on, and what a headless
`/name args` prompt sends."""

from __future__ import annotations

import asyncio

import pytest

from letta_code.client.models import EmbeddedModelCatalog
from letta_code.errors import UserError
from letta_code.harness.prompt_commands import (
    Expanded,
    PromptCommand,
    command_model,
    expand_invocation,
    find_prompt_command,
    is_command_name,
    parse_invocation,
)

# The registry's own answers: an Anthropic key only, so OpenAI is not configured.
MODELS = EmbeddedModelCatalog({"ANTHROPIC_API_KEY": "test-key"})


def echo(name: str, model: str | None = None, expanded: list[str] | None = None) -> PromptCommand:
    async def expand(arguments: str) -> str:
        if expanded is not None:
            expanded.append(arguments)
        return f"<{name}|{arguments}>"

    return PromptCommand(name, "", "", f"{name}.md", expand, model=model)


def test_parse_invocation() -> None:
    assert parse_invocation("/hello world") == ("hello", "world")
    assert parse_invocation("  /frontend:test  a  b ") == ("frontend:test", "a  b")
    assert parse_invocation("/review\nthe piped text") == ("review", "the piped text")
    assert parse_invocation("/hello") == ("hello", "")
    for text in ("hello", "/", "//comment", "/etc/passwd is a file", "say /hello"):
        assert parse_invocation(text) is None


def test_command_names() -> None:
    assert is_command_name("frontend:test") and is_command_name("fix-bug_2.0")
    assert not is_command_name("two words") and not is_command_name("-flag") and not is_command_name("a::b")


def test_find_prompt_command_exactly_then_ignoring_case() -> None:
    commands = [echo("Deploy"), echo("deploy"), echo("Review")]
    assert find_prompt_command(commands, "deploy") is commands[1]
    assert find_prompt_command(commands, "review") is commands[2]
    assert find_prompt_command(commands, "DEPLOY") is None  # two match ignoring case
    assert find_prompt_command(commands, "rev") is None  # no prefixes


def test_expand_invocation_expands_a_known_command_and_passes_the_rest_through() -> None:
    commands = [echo("hello"), echo("quick", model="haiku")]
    assert asyncio.run(expand_invocation(commands, "/hello big world", MODELS)) == Expanded("<hello|big world>")
    assert asyncio.run(expand_invocation(commands, "/quick x", MODELS)) == Expanded(
        "<quick|x>", "anthropic/claude-haiku-4-5"
    )
    assert asyncio.run(expand_invocation(commands, "/unknown x", MODELS)) == Expanded("/unknown x")
    assert asyncio.run(expand_invocation(commands, "hello there", MODELS)) == Expanded("hello there")


def test_a_commands_model_is_resolved_like_dash_m_and_none_is_the_agents() -> None:
    assert asyncio.run(command_model(echo("plain"), MODELS)) is None
    assert asyncio.run(command_model(echo("q", model="haiku"), MODELS)) == "anthropic/claude-haiku-4-5"
    assert asyncio.run(command_model(echo("q", model="anthropic/claude-opus-4-1"), MODELS)) == (
        "anthropic/claude-opus-4-1"
    )


@pytest.mark.parametrize(
    ("model", "problem"),
    [("gpt-4.1", "needs an API key: set OPENAI_API_KEY"), ("nosuch/model", 'unknown model "nosuch/model"')],
)
def test_a_bad_model_is_one_line_naming_the_command_and_nothing_is_expanded(model: str, problem: str) -> None:
    expanded: list[str] = []
    commands = [echo("quick", model=model, expanded=expanded)]
    with pytest.raises(UserError) as caught:
        asyncio.run(expand_invocation(commands, "/quick x", MODELS))
    line = str(caught.value)
    assert line.startswith("/quick: ") and problem in line and "(the 'model' of quick.md)" in line
    assert "\n" not in line
    assert expanded == []  # the body (its `!`commands`) never ran
