"""Command-line flags of `letta`: the parser and `CliOptions`, the typed options it yields.

argparse only: `letta --help` imports nothing else (not even `dataclasses`, which
brings `inspect` along: about as much again as this whole module).
"""

from __future__ import annotations

import argparse
import sys
from typing import Literal, NamedTuple, NoReturn

from letta_code.errors import UserError
from letta_code.schemas.defaults import DEFAULT_MAX_STEPS

EPILOG = """\
subcommands:
  letta server [--host H] [--port P] [--api-key K]   serve the Letta REST API (and the ADE at /)
  letta ade [--port P] [--no-browser]                open the ADE (agents in a browser) on the local database
  letta memory list|show|log|diff|revert|export|import   inspect and manage memory blocks
  letta mcp add|list|get|remove                      manage MCP servers (see 'letta mcp --help')
  letta agents list|show|rename|delete               manage agents (LETTA_BASE_URL: on that server)
  letta conversations list [--agent ID]              an agent's conversations
  letta messages search QUERY [--all-agents]         search messages, as conversation_search does

examples:
  letta                                   resume this directory's agent (or create one)
  letta -p "Run the tests and fix failures" --yolo
  echo "Explain this code" | letta -p --output-format json
  letta --agent <id> --link              attach the coding tools, then start

environment:
  OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL,
  OLLAMA_BASE_URL, LETTA_HOME (default ~/.letta), LETTA_BASE_URL + LETTA_API_KEY
  web search: BRAVE_API_KEY, TAVILY_API_KEY, EXA_API_KEY or SEARXNG_URL (docs/web-tools.md)
"""


class CliUsageError(UserError):
    """Bad command-line input; the message is one line for stderr."""


# Flags of the official Letta Code CLI that mean nothing here (its memory filesystem, its
# backends, its toolsets and embeddings): accepted and ignored with one note, so scripts and
# hosts written for it keep working. True: the flag takes a value.
FOREIGN_FLAGS: dict[str, bool] = {
    "--memfs-startup": True,
    "--backend": True,
    "--dev-backend": True,
    "--embedding": True,
    "--toolset": True,
    "--memfs": False,
    "--no-memfs": False,
    "--no-mods": False,
    "--no-system-info-reminder": False,
    "--disable-memory-guard": False,
    "--no-bundled-skills": False,
}


class _Foreign(argparse.Action):
    """Records that a flag of `FOREIGN_FLAGS` was given (its value, if any, is dropped)."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option: str | None = None
    ) -> None:
        given = list(getattr(namespace, self.dest))
        if option not in given:
            given.append(option)
        setattr(namespace, self.dest, given)


OutputFormat = Literal["text", "json", "stream-json"]


class CliOptions(NamedTuple):
    """The parsed `letta` flags, typed and read-only: what `parse_args` returns.

    A NamedTuple rather than a dataclass, to keep `dataclasses` off the `--help` path:
    its fields cannot be set, `_replace(field=...)` makes a changed copy (and mypy checks
    the names and types given to it), and the constructor wants every field.
    """

    version: bool
    prompt: str | None  # -p: None without it (the terminal UI); "" reads the prompt from stdin
    output_format: OutputFormat
    input_format: Literal["text", "stream-json"]  # stream-json: a host drives the session over stdin
    model: str | None
    context_window: int | None
    new: bool
    new_agent: bool
    agent: str | None
    conversation: str | None  # --conversation: that conversation (and its agent)
    import_file: str | None  # --import FILE.af: create the file's agent, then use it
    name: str | None  # --name: the agent with this name
    continue_last: bool
    resume: bool
    tools: str | None  # --tools as given: None loads every client tool, "" none
    allowed_tools: tuple[str, ...]  # each --allowedTools value, a comma-separated rule list
    disallowed_tools: tuple[str, ...]
    permission_mode: str | None
    yolo: bool
    skills: str | None
    link: bool
    unlink: bool
    max_steps: int
    max_turns: int | None  # headless: a turn cut at this many model steps is an error (exit 1)
    stream: bool
    wait_background: bool  # headless: stay until the background commands end, each end a turn
    include_partial_messages: bool  # stream-json: each chunk as a `stream_event` line
    no_skills: bool
    system: str | None  # the agent's new system prompt (--system TEXT or --system-file F's text)
    system_file: str | None
    ignored_flags: tuple[str, ...]  # FOREIGN_FLAGS given, for one note on stderr


def context_window_arg(text: str) -> int:
    """`--context-window N`: a positive whole number of tokens."""
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number of tokens, e.g. 32768 (not {text!r})")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliUsageError(f"{message} (see 'letta --help')")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="letta",
        description="Letta Code (Python): a stateful coding agent in your terminal.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    p.add_argument("--version", "-v", action="store_true", help="print the version and exit")
    p.add_argument(
        "-p",
        "--prompt",
        nargs="?",
        const="",
        default=None,
        metavar="PROMPT",
        help="headless mode: run one prompt (read from stdin when piped) and print the result",
    )
    p.add_argument(
        "--output-format",
        choices=["text", "json", "stream-json"],
        default="text",
        help="headless output: text (default), json (one result object), stream-json (JSONL events)",
    )
    p.add_argument(
        "--input-format",
        choices=["text", "stream-json"],
        default="text",
        help="headless input: text (the prompt), stream-json (JSON lines on stdin: turns and control requests)",
    )
    p.add_argument("-m", "--model", help="model handle or alias, e.g. openai/gpt-4.1, sonnet-4.5")
    p.add_argument(
        "--context-window",
        type=context_window_arg,
        metavar="N",
        help="the model's context window in tokens (saved on the agent); else settings 'models', "
        "else what a local server reports, else a built-in table",
    )
    p.add_argument("--new", action="store_true", help="start a new conversation with the same agent")
    p.add_argument("--new-agent", action="store_true", help="create a new agent with new memory blocks")
    p.add_argument("--agent", "-a", metavar="ID", help="use this agent id")
    p.add_argument("--name", "-n", metavar="NAME", help="use the agent with this name")
    p.add_argument(
        "--import", dest="import_file", metavar="FILE", help="create the agent of an agent file (.af), then use it"
    )
    p.add_argument(
        "--conversation", "--conv", "-C", metavar="ID", help="use this conversation (and the agent it belongs to)"
    )
    p.add_argument(
        "--continue",
        dest="continue_last",
        action="store_true",
        help="resume the last session exactly where it left off",
    )
    p.add_argument("--resume", action="store_true", help="pick a past conversation before starting")
    p.add_argument("--tools", metavar="LIST", help='only load these client tools ("" = none), e.g. "Bash,Read"')
    p.add_argument(
        "--allowedTools",
        "--allowed-tools",
        dest="allowed_tools",
        action="append",
        default=[],
        metavar="RULES",
        help='allow rules, e.g. "Bash(npm run test:*),Read"',
    )
    p.add_argument(
        "--disallowedTools",
        "--disallowed-tools",
        dest="disallowed_tools",
        action="append",
        default=[],
        metavar="RULES",
        help='deny rules, e.g. "Bash(curl:*)"',
    )
    p.add_argument(
        "--permission-mode",
        metavar="MODE",
        help="default | acceptEdits | plan | bypassPermissions (also standard, unrestricted, strict)",
    )
    p.add_argument("--yolo", action="store_true", help="alias for --permission-mode bypassPermissions")
    p.add_argument("--skills", metavar="DIR", help="also load skills from this directory")
    p.add_argument("--no-skills", action="store_true", help="load no skills at all")
    prompt = p.add_mutually_exclusive_group()
    prompt.add_argument("--system", "-s", metavar="TEXT", help="replace the agent's system prompt (saved on the agent)")
    prompt.add_argument("--system-file", metavar="FILE", help="the same, with the text of FILE")
    p.add_argument("--link", action="store_true", help="attach the Letta Code tools to the agent, then start")
    p.add_argument("--unlink", action="store_true", help="remove the Letta Code tools from the agent, then start")
    p.add_argument(
        "--max-steps",
        type=int,
        default=DEFAULT_MAX_STEPS,
        help=f"stop a turn after this many model steps ({DEFAULT_MAX_STEPS})",
    )
    p.add_argument(
        "--max-turns",
        type=int,
        metavar="N",
        help="headless: stop after N model steps and exit 1 (maximum turns reached)",
    )
    p.add_argument("--no-stream", dest="stream", action="store_false", help="turn off token streaming")
    p.add_argument(
        "--include-partial-messages",
        action="store_true",
        help='stream-json: each chunk as {"type": "stream_event", "event": ...} instead of a message line',
    )
    p.set_defaults(ignored_flags=[])
    for flag, takes_value in FOREIGN_FLAGS.items():
        p.add_argument(
            flag, dest="ignored_flags", action=_Foreign, nargs=None if takes_value else 0, help=argparse.SUPPRESS
        )
    p.add_argument(
        "--wait-background",
        action="store_true",
        help="headless: after the turn, wait for background commands to end and tell the agent of each",
    )
    return p


def parse_args(argv: list[str]) -> CliOptions:
    """The options `argv` gives (CliUsageError, one line, for a bad command line)."""
    parsed = build_parser().parse_args(argv)
    options = CliOptions(
        **{
            **vars(parsed),
            "allowed_tools": tuple(parsed.allowed_tools),
            "disallowed_tools": tuple(parsed.disallowed_tools),
            "ignored_flags": tuple(parsed.ignored_flags),
        }
    )
    if options.max_steps < 1:
        raise CliUsageError("--max-steps must be at least 1")
    if options.max_turns is not None and options.max_turns < 1:
        raise CliUsageError("--max-turns must be at least 1")
    if options.input_format == "stream-json" and (options.prompt != "" or options.output_format != "stream-json"):
        raise CliUsageError(
            "--input-format stream-json needs -p (no prompt: it comes on stdin) and --output-format stream-json"
        )
    if options.max_turns is not None and options.prompt is None:
        raise CliUsageError("--max-turns is for headless runs (-p)")
    if options.import_file and (
        options.agent or options.name or options.conversation or options.new_agent or options.continue_last
    ):
        raise CliUsageError(
            "--import makes the agent to use: leave out --agent, --name, --conversation, --new-agent and --continue"
        )
    if options.conversation and (options.new or options.new_agent):
        raise CliUsageError("--conversation names a conversation; leave out --new and --new-agent")
    if (options.link or options.unlink) and not options.agent:
        raise CliUsageError("--link and --unlink need --agent <id>")
    if options.link and options.unlink:
        raise CliUsageError("--link and --unlink cannot be used together")
    return options


def ignored_note(options: CliOptions) -> str | None:
    """The one stderr line for flags of the official CLI that were given and are ignored."""
    if not options.ignored_flags:
        return None
    return f"letta: ignoring {', '.join(options.ignored_flags)} (flags of the official Letta Code CLI with no meaning here)"


def print_help() -> None:
    build_parser().print_help(sys.stdout)
