"""The kinds of subagent the `Task` tool can start: the built-in ones and the user's own files.

Built in: `general-purpose` (every tool the parent has), `explore` (the read-only tools;
`subagents.exploreModel` of the settings, when set, as a faster model) and `fork` (the
parent's tools, starting from the parent conversation's recent messages). Custom types
are Markdown files in `.letta/agents/*.md` of the project and `$LETTA_HOME/agents/*.md`
(the project's file wins on a name clash): frontmatter `name`, `description`, `tools`
(a comma-separated list or a YAML list; none: all of the parent's), `model`,
`permissionMode` and `memory` (`read`, the default, or `write`), the body the
subagent's instructions.

A type can only narrow what the parent may do: `permissionMode` may make the
subagent stricter (`plan`, `strict`, `default`) but never looser than the session
(`acceptEdits` and `bypassPermissions` in a file are refused with a warning), since a
cloned repository's file must not be able to switch the checks off.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from letta_code.permissions.categories import FILE_READ_TOOLS

# Tools a subagent never gets: it cannot start subagents of its own or ask the user.
NEVER_FOR_SUBAGENTS = frozenset({"Task", "AskUserQuestion", "Skill", "ExitPlanMode"})
# Modes a type may ask for: only ones that narrow what the session allows.
NARROWING_MODES = ("default", "plan", "strict")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

GENERAL_INSTRUCTIONS = (
    "Work on the task below on your own, with the tools you have, until it is done; then answer with "
    "what the task asked for. Your final message is all the caller sees: make it complete and concise, "
    "with file paths and the facts found, and say what you could not do."
)
EXPLORE_INSTRUCTIONS = (
    "You explore a codebase to answer a question: find files, read code, search. You cannot change "
    "anything. Be fast: search broadly first, then read what matters. Your final message is all the "
    "caller sees: answer the question with file paths and line numbers."
)
FORK_INSTRUCTIONS = (
    "You are a fork of the agent whose recent conversation is quoted in the task: you know what it "
    "knew. Do the task below on your own, then answer with the result; your final message is all the "
    "agent sees."
)


@dataclass(frozen=True)
class SubagentType:
    """One kind of subagent: what it is for, which tools it gets, how it is told to work."""

    name: str
    description: str
    instructions: str
    tools: tuple[str, ...] | None = None  # None: every tool the parent has (less NEVER_FOR_SUBAGENTS)
    model: str | None = None  # None: the parent's model
    permission_mode: str | None = None  # None: the session's mode
    memory_write: bool = False  # the parent's human/project blocks writable, not a read-only copy
    fork: bool = False  # starts from the parent conversation's recent messages
    source: str = "built-in"  # or the file it was read from

    def allows(self, tool: str) -> bool:
        """Whether a subagent of this type is offered `tool` (when the parent has it)."""
        if tool in NEVER_FOR_SUBAGENTS:
            return False
        return self.tools is None or tool in self.tools


def builtin_types(explore_model: str | None = None) -> list[SubagentType]:
    return [
        SubagentType(
            "general-purpose",
            "Researches complex questions and carries out multi-step tasks with every tool you have.",
            GENERAL_INSTRUCTIONS,
        ),
        SubagentType(
            "explore",
            "Fast, read-only search of the codebase: finds files and code, answers questions about them.",
            EXPLORE_INSTRUCTIONS,
            tools=tuple(sorted(FILE_READ_TOOLS)),
            model=explore_model,
        ),
        SubagentType(
            "fork",
            "A copy of you that starts from this conversation's recent messages, for a side task.",
            FORK_INSTRUCTIONS,
            fork=True,
        ),
    ]


class SubagentFileError(Exception):
    """A custom subagent file that cannot be used; the message says why."""


def agent_dirs(cwd: Path, home: Path) -> list[Path]:
    """The folders custom types are read from, the project's first (it wins on a clash)."""
    return [d for d in (cwd / ".letta" / "agents", home / "agents") if d.is_dir()]


def load_types(
    cwd: Path, home: Path, *, explore_model: str | None = None, warn: Callable[[str], None] | None = None
) -> list[SubagentType]:
    """The built-in types, then the custom ones (a custom type may replace a built-in one)."""
    types = {t.name: t for t in builtin_types(explore_model)}
    custom: dict[str, SubagentType] = {}
    for folder in agent_dirs(cwd, home):
        for path in sorted(folder.glob("*.md")):
            try:
                kind = parse_type_file(path, warn=warn)
            except SubagentFileError as exc:
                if warn is not None:
                    warn(f"{path}: {exc}; the subagent type is ignored")
                continue
            custom.setdefault(kind.name, kind)
    types.update(custom)
    return list(types.values())


def parse_type_file(path: Path, *, warn: Callable[[str], None] | None = None) -> SubagentType:
    """A custom type from its Markdown file; SubagentFileError saying what is wrong."""
    import yaml

    from letta_code.skills.discovery import SkillError, read_markdown, split_frontmatter

    try:
        head, body = split_frontmatter(read_markdown(path))
    except SkillError as exc:
        raise SubagentFileError(str(exc)) from exc
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        raise SubagentFileError(f"invalid YAML frontmatter: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(meta, dict):
        raise SubagentFileError("the frontmatter must be a mapping (name: ..., description: ...)")
    name = _text(meta, "name") or path.stem
    if not valid_type_name(name):
        raise SubagentFileError(f"name {name!r} must be lowercase letters, digits, '-' or '_'")
    description = _text(meta, "description")
    if not description:
        raise SubagentFileError("missing required field 'description'")
    mode = _text(meta, "permissionMode")
    if mode and mode not in NARROWING_MODES:
        if warn is not None:
            warn(f"{path}: permissionMode {mode!r} is ignored: a subagent may only narrow the session's mode")
        mode = None
    memory = (_text(meta, "memory") or "read").lower()
    if memory not in ("read", "write"):
        raise SubagentFileError(f"memory must be 'read' or 'write', not {memory!r}")
    return SubagentType(
        name=name,
        description=description,
        instructions=body.strip() or GENERAL_INSTRUCTIONS,
        tools=_tools(meta.get("tools")),
        model=_text(meta, "model"),
        permission_mode=mode,
        memory_write=memory == "write",
        source=str(path),
    )


def _text(meta: dict[object, object], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise SubagentFileError(f"'{key}' must be text")
    text = " ".join(str(value).split())
    return text or None


def _tools(value: object) -> tuple[str, ...] | None:
    if value is None or value == "" or value == "*":
        return None
    if isinstance(value, str):
        names = [n.strip() for n in value.split(",")]
    elif isinstance(value, list) and all(isinstance(n, str) for n in value):
        names = [str(n).strip() for n in value]
    else:
        raise SubagentFileError("'tools' must be a comma-separated list of tool names")
    return tuple(n for n in names if n)


def valid_type_name(name: str) -> bool:
    return bool(_NAME.match(name))


def type_file_template(name: str, description: str) -> str:
    """The text of a new custom type file (`/agents create`)."""
    return (
        f"---\nname: {name}\ndescription: {description}\n# tools: Read, Grep, Glob\n# model: openai/gpt-4o-mini\n"
        f"---\n\nYou are the {name} subagent. {GENERAL_INSTRUCTIONS}\n"
    )
