"""Background commands that end on their own: the `<task-notification>` message that tells
the agent (its bash_id, command, exit code and the tail of its output), and, for headless
`--wait-background`, waiting for the running ones (and background subagent tasks) and sending
each end as a turn.

The shells themselves, and the thread that learns of an end, are `tools/shells.py`'s; the
terminal UI's side (waking the idle prompt) is `cli/tui/background.py`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Awaitable, Callable

from letta_code.harness.subagents import Subagents
from letta_code.harness.turn import TurnResult
from letta_code.tools.base import ToolSession
from letta_code.tools.shells import BackgroundShell, session_shells, signal_name

TAIL_LINES = 20
TAIL_CHARS = 2_000
MAX_COMMAND_CHARS = 300
POLL_SECONDS = 0.1


def exit_text(code: int | None) -> str:
    """`exit code 3`, or the signal that ended it."""
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by signal {signal_name(-code)} (exit code {code})"
    return f"exit code {code}"


def _read_tail(path: str, max_chars: int) -> str:
    """About the last `max_chars` characters of a file, from a line start when it had more."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            start = max(0, size - 4 * max_chars)  # UTF-8: at most 4 bytes a character
            f.seek(start)
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    if start > 0:
        text = text.partition("\n")[2]  # the first line is cut
    return text


def tail(text: str, max_lines: int, max_chars: int) -> tuple[str, bool]:
    """The last lines of `text` within both limits, and whether anything was left out."""
    lines = text.rstrip("\n").splitlines()
    kept = lines[-max_lines:]
    joined = "\n".join(kept)
    cut = len(kept) < len(lines)
    if len(joined) > max_chars:
        joined, cut = joined[-max_chars:].partition("\n")[2] or joined[-max_chars:], True
    return joined, cut


def output_tail(shell: BackgroundShell) -> str:
    """The end of a shell's stdout and stderr (each its share of the limits), for the agent."""
    out = _read_tail(shell.out_path, TAIL_CHARS)
    err = _read_tail(shell.err_path, TAIL_CHARS)
    both = bool(out.strip()) and bool(err.strip())
    lines, chars = (TAIL_LINES // 2, TAIL_CHARS // 2) if both else (TAIL_LINES, TAIL_CHARS)
    parts: list[str] = []
    cut = False
    for label, text in (("", out), ("[stderr]\n", err)):
        if text.strip():
            kept, was_cut = tail(text, lines, chars)
            parts.append(label + kept)
            cut = cut or was_cut
    if not parts:
        return "(no output)"
    note = "(earlier output left out)\n" if cut else ""
    return note + "\n".join(parts)


def notification(shell: BackgroundShell) -> str:
    """The message that tells the agent a background command ended."""
    command = shell.command
    if len(command) > MAX_COMMAND_CHARS:
        command = command[: MAX_COMMAND_CHARS - 3] + "..."
    return (
        "<task-notification>\n"
        f"<bash-id>{shell.id}</bash-id>\n"
        f"<command>{command}</command>\n"
        f"<status>finished, {exit_text(shell.returncode)}</status>\n"
        f"<output-tail>\n{output_tail(shell)}\n</output-tail>\n"
        f'The background command {shell.id} has ended. BashOutput(bash_id="{shell.id}") shows all of its '
        "output you have not read yet.\n"
        "</task-notification>"
    )


def claim_notifications(shells: list[BackgroundShell]) -> tuple[list[BackgroundShell], str]:
    """The shells of `shells` whose end the agent should hear of now (each claimed, so it is
    told once), and the message saying so ("" when none)."""
    claimed = [s for s in shells if s.claim_end()]
    return claimed, "\n\n".join(notification(s) for s in claimed)


@dataclasses.dataclass(frozen=True)
class Ended:
    """What ended since the agent was last told, now claimed: the shells, how many background
    subagent tasks answered, and the one message that tells it all ("" when nothing did)."""

    shells: list[BackgroundShell]
    tasks: int
    message: str


def take_ended(session: ToolSession, subagents: Subagents | None = None) -> Ended:
    """Claim every unreported end of a background shell and every background Task answer."""
    claimed, message = claim_notifications(ended_unreported(session))
    answers = subagents.take_finished() if subagents is not None else []
    return Ended(claimed, len(answers), "\n\n".join(part for part in (message, *answers) if part))


def ended_unreported(session: ToolSession) -> list[BackgroundShell]:
    return [s for s in session_shells(session).values() if s.end_unreported()]


def still_running(session: ToolSession) -> list[BackgroundShell]:
    return [s for s in session_shells(session).values() if not s.killed and s.returncode is None]


async def next_notification(session: ToolSession, subagents: Subagents | None = None) -> str | None:
    """Wait until a background shell ends unreported (or a background subagent task answers);
    the message for every one that has (claimed). None when nothing runs and nothing is left
    to report."""
    while True:
        message = take_ended(session, subagents).message
        if message:
            return message
        if not still_running(session) and (subagents is None or not subagents.background_running()):
            return None
        await asyncio.sleep(POLL_SECONDS)


def combined(total: TurnResult, latest: TurnResult) -> TurnResult:
    """`latest` (its text, stop, error), with the steps and tokens of both turns."""
    cached = None
    if total.cached_input_tokens is not None or latest.cached_input_tokens is not None:
        cached = (total.cached_input_tokens or 0) + (latest.cached_input_tokens or 0)
    return dataclasses.replace(
        latest,
        prompt_tokens=total.prompt_tokens + latest.prompt_tokens,
        completion_tokens=total.completion_tokens + latest.completion_tokens,
        cached_input_tokens=cached,
        usage_estimated=total.usage_estimated or latest.usage_estimated,
        steps=total.steps + latest.steps,
        run_ids=[*total.run_ids, *latest.run_ids],
    )


async def report_until_done(
    session: ToolSession,
    send: Callable[[str], Awaitable[TurnResult]],
    first: TurnResult,
    *,
    before_next: Callable[[TurnResult], None] | None = None,
    subagents: Subagents | None = None,
) -> TurnResult:
    """Headless `--wait-background`: after the turn `first`, wait for the background commands
    and send each end (those that end together: one message) as a turn of its own, until
    none runs. `before_next(result)` sees each turn's result before a notification follows it.
    Stops at a turn that did not end normally. Returns the last turn's result, with the
    steps and tokens of them all."""
    total = first
    while not total.error and total.stop_reason == "end_turn":
        message = await next_notification(session, subagents)
        if message is None:
            break
        if before_next is not None:
            before_next(total)
        total = combined(total, await send(message))
    return total
