"""Custom slash commands from Markdown files (Claude Code's format): finding and reading them.

Where they come from, highest precedence first (`prompt_commands.command_dirs`): the
project's `.letta/commands/` and `.claude/commands/`, then the user's
`$LETTA_HOME/commands/` and `~/.claude/commands/`. A name found in several folders is
taken from the first (the project beats the user). The file name is the command name
(`review.md` is `/review`); a subfolder namespaces it (`frontend/test.md` is
`/frontend:test`). Hidden and symlinked folders are skipped.

A file may start with a `---` YAML block: `description`, `argument-hint`,
`allowed-tools` (permission rules, e.g. `Bash(git status:*)`, that let the body's
`!`command`` lines run) and `model` (the handle or alias the command's turn runs on,
checked when it runs: `prompt_commands.command_model`). Other keys are ignored. Without
a description, the body's first line is one. A file that cannot be used is skipped with
one warning naming it; YAML is imported only when a file has frontmatter. What the body
becomes is `command_expansion.py`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from letta_code.harness.command_expansion import current_approver, expand_body
from letta_code.harness.prompt_commands import CommandDir, PromptCommand, is_command_name
from letta_code.permissions import Rule, RuleError, parse_rule, split_rule_list
from letta_code.skills.discovery import SkillError, read_markdown, split_frontmatter

if TYPE_CHECKING:
    from letta_code.permissions import PermissionChecker
    from letta_code.tools.base import ToolSession

MAX_DESCRIPTION = 100  # characters of the body's first line taken as its description
_KEY_LINE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)\s*:\s*(.*)\Z")


class CommandFileError(Exception):
    """A command file that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class CommandFile:
    """One parsed command file."""

    name: str  # "review", "frontend:test"
    path: Path
    scope: str  # "project" or "user"
    body: str
    description: str
    argument_hint: str
    allowed_tools: tuple[Rule, ...] = ()
    model: str | None = None


def find_command_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(command name, file) for every `*.md` under `root`, sorted by name."""
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
        rel = here.relative_to(root).parts
        for file in files:
            if file.lower().endswith(".md") and not file.startswith("."):
                found.append((":".join([*rel, file[: -len(".md")]]), here / file))
    yield from sorted(found)


def _text(value: object, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CommandFileError(f"'{key}' must be a string")
    return " ".join(str(value).split())


def _simple_frontmatter(head: str) -> dict[str, object]:
    """`key: value` lines, read as text: what Claude Code accepts that YAML may not
    (`argument-hint: [file] [message]`)."""
    meta: dict[str, object] = {}
    for line in head.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _KEY_LINE.match(line)
        if match is None:
            raise CommandFileError(f"the frontmatter line {line.strip()!r} is not 'key: value'")
        value = match.group(2).strip()
        quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "'\""
        meta[match.group(1)] = value[1:-1] if quoted else value
    return meta


def _frontmatter(head: str) -> tuple[dict[str, object], dict[str, object]]:
    """(the YAML mapping, the same lines read as plain text) of a frontmatter block."""
    import yaml

    try:
        plain = _simple_frontmatter(head)
    except CommandFileError:
        plain = {}
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        if plain:  # not YAML, but plain `key: value` lines: take them as text
            return plain, plain
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CommandFileError(f"invalid YAML frontmatter: {problem}") from exc
    if meta is None:
        return {}, plain
    if not isinstance(meta, dict):
        raise CommandFileError("the frontmatter must be a YAML mapping (description: ..., argument-hint: ...)")
    return {str(k): v for k, v in meta.items()}, plain


def _allowed_tools(value: object) -> tuple[Rule, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        texts = split_rule_list(value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        texts = [t for v in value for t in split_rule_list(v)]
    else:
        raise CommandFileError("'allowed-tools' must be a string or a list of permission rules")
    try:
        return tuple(parse_rule(t) for t in texts)
    except RuleError as exc:
        raise CommandFileError(f"allowed-tools: {exc}") from exc


def _first_line(body: str) -> str:
    for line in body.splitlines():
        text = " ".join(line.strip().lstrip("#").split())
        if text:
            return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"
    return ""


def parse_command_file(path: Path, name: str, scope: str) -> CommandFile:
    """Read one command file; CommandFileError says what is wrong with it."""
    head: str | None = None
    try:
        body = read_markdown(path).lstrip("\ufeff")
        if body.splitlines()[:1] and body.splitlines()[0].strip() == "---":
            head, body = split_frontmatter(body)
    except SkillError as exc:
        raise CommandFileError(str(exc)) from exc
    meta, plain = _frontmatter(head) if head is not None else ({}, {})
    hint = meta.get("argument-hint")
    if hint is not None and not isinstance(hint, str | int | float):  # `[file] [msg]` read as YAML
        hint = plain.get("argument-hint")
    model = _text(meta.get("model"), "model")
    body = body.strip("\n")
    return CommandFile(
        name=name,
        path=path,
        scope=scope,
        body=body,
        description=_text(meta.get("description"), "description") or _first_line(body),
        argument_hint=_text(hint, "argument-hint"),
        allowed_tools=_allowed_tools(meta.get("allowed-tools")),
        model=model or None,
    )


def discover(dirs: Sequence[CommandDir]) -> tuple[list[CommandFile], list[str]]:
    """The command files of `dirs` (the first of a name wins), and one warning per file skipped."""
    commands: dict[str, CommandFile] = {}
    warnings: list[str] = []
    for folder in dirs:
        for name, path in find_command_files(folder.path):
            if name in commands:
                continue  # a folder of higher precedence has it
            if not all(is_command_name(part) for part in name.split(":")):
                warnings.append(f"{path}: skipped: {name!r} is not a command name (letters, digits, '-', '_', '.')")
                continue
            try:
                commands[name] = parse_command_file(path, name, folder.scope)
            except CommandFileError as exc:
                warnings.append(f"{path}: skipped: {exc}")
    return list(commands.values()), warnings


def origin_of(path: Path, cwd: Path) -> str:
    """The file, as /help shows it: relative to the project, or under `~`."""
    for base, prefix in ((cwd, ""), (Path.home(), "~/")):
        try:
            return prefix + path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def _expander(file: CommandFile, checker: PermissionChecker, session: ToolSession) -> Callable[[str], Awaitable[str]]:
    async def expand(arguments: str) -> str:
        return await expand_body(
            file.name,
            file.body,
            arguments,
            checker=checker,
            session=session,
            allowed_tools=file.allowed_tools,
            approve=current_approver(),
        )

    return expand


def to_prompt_command(file: CommandFile, checker: PermissionChecker, session: ToolSession) -> PromptCommand:
    return PromptCommand(
        name=file.name,
        description=file.description,
        argument_hint=file.argument_hint,
        origin=origin_of(file.path, session.cwd),
        expand=_expander(file, checker, session),
        model=file.model,
    )


def load_prompt_commands(
    dirs: Sequence[CommandDir], checker: PermissionChecker, session: ToolSession
) -> tuple[list[PromptCommand], list[str]]:
    """The session's custom commands, and the warnings for the files skipped."""
    files, warnings = discover(dirs)
    return [to_prompt_command(f, checker, session) for f in files], warnings
