"""What a custom command's body becomes: the user message, with its arguments, files and
command output filled in.

- `$ARGUMENTS` is the whole argument text; `$1` .. `$9` its shell-like words (shlex; an
  unbalanced quote falls back to splitting on whitespace). A body with neither gets the
  arguments appended after a blank line (`ARGUMENTS: ...`).
- `!`command`` in the body is replaced by what the command prints (stdout, then stderr;
  cut to size; a failing exit status noted). It runs in the project folder (in the
  session's sandbox, if any) only when the permission checker allows it as a Bash call,
  counting the file's `allowed-tools` as rules of this session (so deny and ask rules
  still win), or when `approve` says yes: the TUI asks the user; headless mode has no
  one to ask, so the command fails with one line naming the rule that would allow it.
- `@path` (relative to the project, `~` allowed) in the body or the arguments appends
  the file's text (size-capped). A file the Read deny rules keep from the agent is not
  included (a note says so), one outside the project only when Read is allowed there
  or `approve` says yes; a path that is no file stays as it is.

Only the body and the arguments are read for `!` and `@`, never a command's output.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import re
import shlex
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path

from letta_code.errors import UserError
from letta_code.permissions import Decision, PermissionChecker, Rule
from letta_code.tools.base import ToolSession
from letta_code.tools.truncate import truncate_middle

SHELL_TIMEOUT = 30.0  # seconds a `!` command may run
MAX_SHELL_CHARS = 20_000  # of one command's output
MAX_FILE_CHARS = 50_000  # of one `@` file

# Asked before a `!` command or an `@` file the permission checker does not allow:
# "run `git log`" / "read ~/notes.md" -> may it?
Approve = Callable[[str], Awaitable[bool]]

_BANG = re.compile(r"!`([^`\n]+)`")
_PLACEHOLDER = re.compile(r"\$(ARGUMENTS|[1-9])(?!\d)")
_MENTION = re.compile(r"(?<!\S)@(\S+)")
_TRAILING = ".,;:!?)]}'\""
_approver: ContextVar[Approve | None] = ContextVar("letta_command_approver", default=None)


class ExpansionError(UserError):
    """A command that could not be expanded (a `!` command or a file it may not use)."""


@contextlib.contextmanager
def approving(approve: Approve) -> Iterator[None]:
    """Expansions inside this block ask `approve` (the TUI's question); outside, nobody is asked."""
    token = _approver.set(approve)
    try:
        yield
    finally:
        _approver.reset(token)


def current_approver() -> Approve | None:
    return _approver.get()


def argument_words(arguments: str) -> list[str]:
    try:
        return shlex.split(arguments)
    except ValueError:  # an unbalanced quote
        return arguments.split()


def has_placeholder(body: str) -> bool:
    return _PLACEHOLDER.search(body) is not None


def substitute(text: str, arguments: str, words: Sequence[str]) -> str:
    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "ARGUMENTS":
            return arguments
        index = int(key) - 1
        return words[index] if index < len(words) else ""

    return _PLACEHOLDER.sub(value, text)


async def expand_body(
    name: str,
    body: str,
    arguments: str,
    *,
    checker: PermissionChecker,
    session: ToolSession,
    allowed_tools: Sequence[Rule] = (),
    approve: Approve | None = None,
) -> str:
    """The user message `/name arguments` sends; ExpansionError when a `!` command or an
    `@` file needs a permission nobody gave."""
    arguments = arguments.strip()
    words = argument_words(arguments)
    pieces = _BANG.split(body)  # text, command, text, command, ..., text
    out: list[str] = []
    literal: list[str] = []
    for index, piece in enumerate(pieces):
        filled = substitute(piece, arguments, words)
        if index % 2 == 0:
            out.append(filled)
            literal.append(filled)
            continue
        await _permit_shell(name, filled, checker, allowed_tools, approve)
        out.append(await _run_shell(filled, session))
    if arguments and not has_placeholder(body):
        tail = f"\n\nARGUMENTS: {arguments}" if body.strip() else arguments
        out.append(tail)
        literal.append(tail)
    text = "".join(out)
    files = await _mentioned_files(name, "\n".join(literal), checker, session, approve)
    return text + "".join(f"\n\n{part}" for part in files)


# ------------------------------------------------------------------ `!` commands
def _shell_decision(checker: PermissionChecker, allowed: Sequence[Rule], command: str) -> Decision:
    rules = [r for r in allowed if r.covers_tool("Bash")]
    judge = checker
    if rules:  # the file's allowed-tools as session rules of a copy: deny and ask rules still win
        judge = copy.copy(checker)
        judge.session_rules = [*checker.session_rules, *rules]
    return judge.check("Bash", {"command": command})


async def _permit_shell(
    name: str, command: str, checker: PermissionChecker, allowed: Sequence[Rule], approve: Approve | None
) -> None:
    decision = _shell_decision(checker, allowed, command)
    if decision.allowed:
        return
    shown = f"!`{command}`"
    if decision.behavior == "deny":
        raise ExpansionError(f"/{name}: {shown} is not allowed: {decision.reason}")
    if approve is not None:
        if await approve(f"run `{command}`"):
            return
        raise ExpansionError(f"/{name}: not sent: you declined {shown}")
    if decision.rule is not None:
        raise ExpansionError(
            f"/{name}: {shown} needs approval: it matches the ask rule {decision.rule}; "
            f"run /{name} in an interactive session, or remove that rule"
        )
    rules = decision.suggestions or ((decision.suggestion,) if decision.suggestion else ())
    if rules:
        joined = ",".join(rules)
        raise ExpansionError(
            f'/{name}: {shown} needs permission: rerun with --allowedTools "{joined}" or --yolo, '
            f"or add {joined} to the allowed-tools of the command's file"
        )
    raise ExpansionError(
        f"/{name}: {shown} needs permission ({decision.reason}): rerun with --yolo, or run /{name} interactively"
    )


async def _run_shell(command: str, session: ToolSession) -> str:
    from letta_code.tools.shells import run_foreground

    run = await asyncio.to_thread(run_foreground, command, session, SHELL_TIMEOUT)
    text = (run.stdout + run.stderr).rstrip("\n")
    if run.timed_out:
        text += f"\n[stopped after {SHELL_TIMEOUT:g} seconds]"
    elif run.returncode:
        text += f"\n[exit status {run.returncode}]"
    return truncate_middle(text, MAX_SHELL_CHARS, run.hidden)


# ------------------------------------------------------------------ `@` files
def _mentioned_path(token: str, cwd: Path) -> tuple[str, Path] | None:
    """(the token as written, the file) for an `@token` naming a file; None otherwise."""
    candidates = [token]
    stripped = token.rstrip(_TRAILING)
    if stripped and stripped != token:
        candidates.append(stripped)
    for candidate in candidates:
        path = Path(os.path.expanduser(candidate))
        path = path if path.is_absolute() else cwd / path
        try:
            if path.is_file():
                return candidate, path
        except OSError:
            continue
    return None


async def _mentioned_files(
    name: str, text: str, checker: PermissionChecker, session: ToolSession, approve: Approve | None
) -> list[str]:
    parts: list[str] = []
    seen: set[Path] = set()
    for match in _MENTION.finditer(text):
        found = _mentioned_path(match.group(1), session.cwd)
        if found is None or found[1] in seen:
            continue
        token, path = found
        seen.add(path)
        parts.append(await _include(name, token, path, checker, session, approve))
    return parts


async def _include(
    name: str, token: str, path: Path, checker: PermissionChecker, session: ToolSession, approve: Approve | None
) -> str:
    if session.is_hidden(str(path)):
        rule = checker.denied_by("Read", path)
        why = f"the permission rule {rule} keeps it from the agent" if rule else "a deny rule keeps it from the agent"
        return f"(@{token} is not included: {why}.)"
    decision = checker.check("Read", {"file_path": str(path)})
    if decision.behavior == "deny":
        return f"(@{token} is not included: {decision.reason}.)"
    if not decision.allowed:
        if approve is None:
            allow = f'--allowedTools "{decision.suggestion}" or --yolo' if decision.suggestion else "--yolo"
            raise ExpansionError(
                f"/{name}: @{token} needs permission to be read ({decision.reason}): rerun with {allow}"
            )
        if not await approve(f"read {token}"):
            raise ExpansionError(f"/{name}: not sent: you declined to include @{token}")
    return _file_text(token, path)


def _file_text(token: str, path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            content = f.read(MAX_FILE_CHARS + 1)
    except OSError as exc:
        return f"(@{token} is not included: {exc.strerror or exc}.)"
    if "\x00" in content:
        return f"(@{token} is not included: it is not a text file.)"
    if len(content) > MAX_FILE_CHARS:
        size = path.stat().st_size
        content = content[:MAX_FILE_CHARS] + (
            f"\n[... cut at {MAX_FILE_CHARS:,} characters of a {size:,}-byte file; Read it for the rest]"
        )
    return f'<file path="{token}">\n{content.rstrip(chr(10))}\n</file>'
