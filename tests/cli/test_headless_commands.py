"""Custom slash commands in headless mode, through the real `letta -p "/name args"` and the
scripted model server: what the model receives is the command file's expanded body."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1"]


@pytest.fixture
def commands(letta: Letta, tmp_path: Path) -> Path:
    """The project's `.letta/commands/`, with a home folder of the test's own (no `~/.claude`)."""
    home = tmp_path / "user-home"
    home.mkdir()
    letta.env["HOME"] = str(home)
    folder = letta.cwd / ".letta" / "commands"
    folder.mkdir(parents=True)
    return folder


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_hello_runs_with_its_arguments_filled_in(letta: Letta, model_server: ModelServer, commands: Path) -> None:
    write(commands / "hello.md", "---\ndescription: Greet someone\n---\nSay hello to $ARGUMENTS, warmly.\n")
    model_server.script([Reply(text="Hello, world!")])
    proc = letta.run("-p", "/hello world", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Hello, world!\n"
    assert "Say hello to world, warmly." in model_server.last_user_text()
    assert "/hello" not in model_server.last_user_text()


def test_an_unknown_slash_command_is_an_error_naming_the_commands(
    letta: Letta, model_server: ModelServer, commands: Path
) -> None:
    write(commands / "hello.md", "Say hello.")
    proc = letta.run("-p", "/nothing-like-it here", *MODEL)
    assert proc.returncode == 1
    assert "unknown command /nothing-like-it" in proc.stderr and "/hello" in proc.stderr and "/init" in proc.stderr
    assert model_server.model_requests == []  # never sent to the model by mistake


def test_user_commands_subfolders_and_the_project_winning(
    letta: Letta, model_server: ModelServer, commands: Path
) -> None:
    write(letta.home / "commands" / "greet.md", "user greeting for $1")
    write(letta.home / "commands" / "only-user.md", "from the user folder")
    write(commands / "greet.md", "project greeting for $1")
    write(letta.cwd / ".claude" / "commands" / "frontend" / "test.md", "run the frontend tests in $1")
    model_server.script([Reply(text="a"), Reply(text="b"), Reply(text="c")])
    assert letta.run("-p", "/greet Ada", *MODEL).returncode == 0
    assert "project greeting for Ada" in model_server.last_user_text()
    assert letta.run("-p", "/only-user", *MODEL).returncode == 0
    assert "from the user folder" in model_server.last_user_text()
    assert letta.run("-p", "/frontend:test web/", *MODEL).returncode == 0
    assert "run the frontend tests in web/" in model_server.last_user_text()


def test_a_command_that_needs_permission_fails_with_the_flag_that_allows_it(
    letta: Letta, model_server: ModelServer, commands: Path
) -> None:
    write(commands / "stamp.md", "Stamped: !`touch stamp.txt && echo done`")
    model_server.script([Reply(text="ok")])
    proc = letta.run("-p", "/stamp", *MODEL)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("letta: /stamp: !`touch stamp.txt && echo done` needs permission")
    assert "--allowedTools" in lines[0]
    assert not (letta.cwd / "stamp.txt").exists()
    assert model_server.requests == []  # nothing was sent

    proc = letta.run("-p", "/stamp", "--allowedTools", "Bash(touch:*)", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert (letta.cwd / "stamp.txt").exists()
    assert "Stamped: done" in model_server.last_user_text()


def test_allowed_tools_in_the_file_let_its_command_run_but_a_deny_rule_wins(
    letta: Letta, model_server: ModelServer, commands: Path
) -> None:
    write(commands / "stamp.md", "---\nallowed-tools: Bash(touch:*)\n---\nStamped: !`touch stamp.txt && echo done`")
    model_server.script([Reply(text="ok")])
    proc = letta.run("-p", "/stamp", "--disallowedTools", "Bash(touch:*)", *MODEL)
    assert proc.returncode == 1 and "is not allowed" in proc.stderr
    assert not (letta.cwd / "stamp.txt").exists()
    proc = letta.run("-p", "/stamp", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "Stamped: done" in model_server.last_user_text()


def test_a_file_the_deny_rules_hide_never_reaches_the_model(
    letta: Letta, model_server: ModelServer, commands: Path
) -> None:
    (letta.cwd / ".env").write_text("TOKEN=very-secret\n")
    (letta.cwd / "app.py").write_text("print('app')\n")
    write(commands / "check.md", "Check @app.py and $ARGUMENTS")
    model_server.script([Reply(text="ok")])
    proc = letta.run("-p", "/check @.env", "--disallowedTools", "Read(.env)", *MODEL)
    assert proc.returncode == 0, proc.stderr
    sent = model_server.last_user_text()
    assert "print('app')" in sent
    assert "very-secret" not in json.dumps(model_server.last_messages())
    assert "@.env is not included" in sent


def test_a_bad_file_is_one_warning_and_stream_json_lists_the_commands(
    letta: Letta, model_server: ModelServer, commands: Path
) -> None:
    write(commands / "hello.md", "Say hello to $1.")
    write(commands / "broken.md", "---\ndescription: [never closed\n")
    write(commands / "ops" / "deploy.md", "Deploy.")
    model_server.script([Reply(text="hi")])
    proc = letta.run("-p", "/hello Ada", "--output-format", "stream-json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "broken.md" in line]
    assert len(warnings) == 1 and warnings[0].startswith("letta: warning: ") and "skipped" in warnings[0]
    init = json.loads(proc.stdout.splitlines()[0])
    assert init["type"] == "init" and init["slash_commands"] == ["hello", "ops:deploy"]
    assert "Say hello to Ada." in model_server.last_user_text()


def test_the_model_of_a_command_file_runs_its_turn_and_the_next_turn_is_the_agents(
    letta: Letta, model_server: ModelServer, commands: Path
) -> None:
    model_server.models.append("gpt-4.1-mini")  # what the provider serves: `model` is checked like `-m`
    write(commands / "quick.md", "---\nmodel: openai/gpt-4.1-mini\n---\nAnswer briefly: $ARGUMENTS")
    model_server.script([Reply(text="quick answer"), Reply(text="plain answer")])
    proc = letta.run("-p", "/quick x", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "quick answer\n"
    assert "Answer briefly: x" in model_server.last_user_text()
    proc = letta.run("-p", "hi")  # the same agent, no -m: its own model again
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "plain answer\n"
    assert [r["model"] for r in model_server.model_requests] == ["gpt-4.1-mini", "gpt-4.1"]


@pytest.mark.parametrize(
    ("model", "problem"),
    [
        ("openai/gpt-17-turbo", "does not serve 'gpt-17-turbo'"),
        ("nosuch/model", 'unknown model "nosuch/model"'),
        ("haiku", 'model "anthropic/claude-haiku-4-5" needs an API key: set ANTHROPIC_API_KEY'),
    ],
)
def test_a_bad_model_in_a_command_file_is_one_line_and_nothing_runs_or_is_sent(
    letta: Letta, model_server: ModelServer, commands: Path, model: str, problem: str
) -> None:
    del letta.env["ANTHROPIC_API_KEY"]  # Anthropic is not configured
    write(commands / "quick.md", f"---\nmodel: {model}\nallowed-tools: Bash(touch:*)\n---\nRan: !`touch ran.txt`")
    model_server.script([Reply(text="never")])
    proc = letta.run("-p", "/quick x", *MODEL)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("letta: /quick: ") and problem in lines[0], lines[0]
    assert lines[0].endswith("(the 'model' of .letta/commands/quick.md)")
    assert not (letta.cwd / "ran.txt").exists()  # the body was not expanded
    assert model_server.model_requests == []  # nothing was sent
