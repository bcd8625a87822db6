"""Finding a prompt command by name, and what a headless `/name args` prompt sends."""

from __future__ import annotations

import asyncio

from letta_code.harness.prompt_commands import (
    PromptCommand,
    expand_invocation,
    find_prompt_command,
    is_command_name,
    parse_invocation,
)


def echo(name: str) -> PromptCommand:
    async def expand(arguments: str) -> str:
        return f"<{name}|{arguments}>"

    return PromptCommand(name, "", "", "test", expand)


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
    commands = [echo("hello")]
    assert asyncio.run(expand_invocation(commands, "/hello big world")) == "<hello|big world>"
    assert asyncio.run(expand_invocation(commands, "/unknown x")) == "/unknown x"
    assert asyncio.run(expand_invocation(commands, "hello there")) == "hello there"
