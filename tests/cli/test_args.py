"""`parse_args`: every flag becomes a typed, read-only field of `CliOptions`, and reading
the flags stays cheap (`letta --help` imports no `dataclasses`, hence no `inspect`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from letta_code.cli.args import CliOptions, CliUsageError, build_parser, ignored_note, parse_args


def test_defaults() -> None:
    options = parse_args([])
    assert options._asdict() == {
        "version": False,
        "prompt": None,
        "output_format": "text",
        "input_format": "text",
        "model": None,
        "context_window": None,
        "new": False,
        "new_agent": False,
        "agent": None,
        "conversation": None,
        "import_file": None,
        "name": None,
        "continue_last": False,
        "resume": False,
        "tools": None,
        "allowed_tools": (),
        "disallowed_tools": (),
        "permission_mode": None,
        "yolo": False,
        "skills": None,
        "link": False,
        "unlink": False,
        "max_steps": 50,
        "max_turns": None,
        "stream": True,
        "wait_background": False,
        "include_partial_messages": False,
        "no_skills": False,
        "system": None,
        "system_file": None,
        "ignored_flags": (),
    }


def test_every_flag_is_a_typed_field() -> None:
    options = parse_args(
        [
            "-p",
            "fix it",
            "--output-format",
            "stream-json",
            "-m",
            "sonnet",
            "--context-window",
            "32_768",
            "--new",
            "--resume",
            "--tools",
            "Bash,Read",
            "--allowedTools",
            "Read",
            "--allowed-tools",
            "Bash(ls:*),Grep",
            "--disallowedTools",
            "Bash(curl:*)",
            "--permission-mode",
            "plan",
            "--yolo",
            "--skills",
            "skills",
            "--agent",
            "agent-1",
            "--link",
            "--max-steps",
            "7",
            "--no-stream",
            "--wait-background",
            "--max-turns",
            "3",
            "--include-partial-messages",
            "--no-skills",
        ]
    )
    assert (options.prompt, options.output_format, options.model) == ("fix it", "stream-json", "sonnet")
    assert options.context_window == 32768 and options.max_steps == 7
    assert options.new and options.resume and options.yolo and options.link and not options.unlink
    assert options.tools == "Bash,Read" and options.skills == "skills" and options.agent == "agent-1"
    assert options.allowed_tools == ("Read", "Bash(ls:*),Grep")  # each value as given, in order
    assert options.disallowed_tools == ("Bash(curl:*)",)
    assert options.permission_mode == "plan" and options.stream is False and options.wait_background is True
    assert options.max_turns == 3 and options.include_partial_messages and options.no_skills
    assert parse_args(["-n", "helper"]).name == parse_args(["--name", "helper"]).name == "helper"
    streamed = parse_args(["-p", "--input-format", "stream-json", "--output-format", "stream-json"])
    assert streamed.input_format == "stream-json" and streamed.prompt == ""
    assert {parse_args([flag, "conv-2"]).conversation for flag in ("-C", "--conv", "--conversation")} == {"conv-2"}
    assert parse_args(["-p"]).prompt == ""  # -p alone: the prompt comes from stdin
    assert parse_args(["--continue", "--new-agent", "-v"]).continue_last is True


def test_the_fields_are_exactly_the_parsers_flags() -> None:
    dests = {a.dest for a in build_parser()._actions if a.dest != "help"}
    assert dests == set(CliOptions.__annotations__)


def test_the_official_clis_flags_without_meaning_here_are_accepted_and_named_once() -> None:
    # The argv of the official CLI's own black-box tests, which every script written for it has.
    options = parse_args(
        ["-p", "hi", "--memfs-startup", "skip", "--backend", "api", "--no-mods", "--no-system-info-reminder",
         "--memfs-startup", "skip", "--output-format", "stream-json"]
    )  # fmt: skip
    assert options.prompt == "hi" and options.output_format == "stream-json"
    assert options.ignored_flags == ("--memfs-startup", "--backend", "--no-mods", "--no-system-info-reminder")
    note = ignored_note(options)
    assert note is not None and "\n" not in note and note.count("--memfs-startup") == 1
    assert ignored_note(parse_args(["-p", "hi"])) is None
    with pytest.raises(CliUsageError, match="unrecognized arguments: --memfs-start"):
        parse_args(["--memfs-start", "skip"])  # a misspelling is still an error


def test_options_are_read_only_and_replace_copies() -> None:
    options = parse_args(["-m", "gpt-4.1"])
    with pytest.raises(AttributeError):
        options.model = "sonnet"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del options.model
    piped = options._replace(prompt="")
    assert piped.prompt == "" and options.prompt is None
    assert piped._replace(prompt=None) == options and piped != options and options != options._asdict()
    assert repr(piped).startswith(
        "CliOptions(version=False, prompt='', output_format='text', input_format='text', model='gpt-4.1',"
    )
    with pytest.raises(ValueError, match="promt"):
        options._replace(promt="")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="stream"):
        CliOptions(**{k: v for k, v in options._asdict().items() if k != "stream"})


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--max-steps", "0"], "--max-steps must be at least 1"),
        (["-p", "x", "--max-turns", "0"], "--max-turns must be at least 1"),
        (["--max-turns", "2"], "--max-turns is for headless runs (-p)"),
        (["-p", "x", "--conversation", "conv-1", "--new"], "leave out --new and --new-agent"),
        (["--backend"], "expected one argument"),
        (["--system", "a", "--system-file", "f"], "not allowed with argument"),
        (["--import", "a.af", "--new-agent"], "--import makes the agent to use"),
        (
            ["--input-format", "stream-json", "-p", "hi", "--output-format", "stream-json"],
            "no prompt: it comes on stdin",
        ),
        (["--input-format", "stream-json", "-p"], "and --output-format stream-json"),
        (["--link"], "--link and --unlink need --agent <id>"),
        (["--agent", "a", "--link", "--unlink"], "cannot be used together"),
        (["--output-format", "yaml"], "invalid choice: 'yaml'"),
        (["--bogus"], "unrecognized arguments: --bogus (see 'letta --help')"),
    ],
)
def test_bad_command_lines_are_one_line(argv: list[str], expected: str) -> None:
    with pytest.raises(CliUsageError) as refused:
        parse_args(argv)
    assert expected in str(refused.value) and "\n" not in str(refused.value)


def test_reading_the_flags_imports_no_dataclasses() -> None:
    code = (
        "import sys\n"
        "from letta_code.cli.args import parse_args\n"
        "assert parse_args(['-m', 'sonnet', '--allowedTools', 'Read']).max_steps == 50\n"
        "print(sorted(m for m in ('dataclasses', 'inspect') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
