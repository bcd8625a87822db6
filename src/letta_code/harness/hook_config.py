"""The `hooks` key of the three settings files (Claude Code's format), read and checked.

```json
{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "...", "timeout": 60}]}]}}
```

Each file's hooks are kept with the file they came from (`/hooks` shows it); the hooks
of all three files apply, global first. A bad shape is one `SettingsError` line naming
the file and the key; an event name letta does not know is a warning, not an error.
Matchers are regular expressions that must match the whole subject (the tool name,
SessionStart's source, PreCompact's trigger, Notification's type); "" and "*" match all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from letta_code.config.settings import SettingsError
from letta_code.config.settings_keys import did_you_mean

# The events whose subject is a tool name.
TOOL_EVENTS = ("PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest")
# Events with another subject for the matcher.
SUBJECT_EVENTS = ("SessionStart", "PreCompact", "Notification")
OTHER_EVENTS = ("UserPromptSubmit", "Stop", "SubagentStop", "SessionEnd")
EVENTS = (*TOOL_EVENTS, *SUBJECT_EVENTS, *OTHER_EVENTS)
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class HookSpec:
    """One command hook of one event, as a settings file gives it."""

    event: str
    matcher: str  # as written; "" when the file gave none
    command: str
    timeout: float  # seconds
    source: Path  # the settings file it came from
    pattern: re.Pattern[str] | None = None  # None: matches every subject

    def matches(self, subject: str | None) -> bool:
        """Whether the hook applies to `subject` (None: an event without one, always)."""
        if self.pattern is None or subject is None:
            return True
        return self.pattern.fullmatch(subject) is not None


@dataclass(frozen=True)
class HookConfig:
    """Every hook of the three files, in file order (global, project, project-local)."""

    hooks: tuple[HookSpec, ...] = ()
    warnings: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.hooks)

    def matching(self, event: str, subject: str | None = None) -> list[HookSpec]:
        """The hooks of `event` that apply to `subject`, an identical command only once."""
        found: dict[str, HookSpec] = {}
        for spec in self.hooks:
            if spec.event == event and spec.matches(subject) and spec.command not in found:
                found[spec.command] = spec
        return list(found.values())


def parse_hooks(files: Iterable[tuple[Path, Mapping[str, object]]]) -> HookConfig:
    """The hooks of each (path, contents) settings file; SettingsError on a bad shape."""
    hooks: list[HookSpec] = []
    warnings: list[str] = []
    for source, data in files:
        if "hooks" not in data:
            continue
        table = data["hooks"]
        if not isinstance(table, dict):
            raise SettingsError(f"{source}: hooks must be an object of events, not {_shown(table)}")
        for event, groups in table.items():
            if event not in EVENTS:
                warnings.append(_unknown_event(source, str(event)))
                continue
            hooks.extend(_parse_event(source, event, groups))
    return HookConfig(tuple(hooks), tuple(warnings))


def _parse_event(source: Path, event: str, groups: object) -> list[HookSpec]:
    where = f"hooks.{event}"
    if not isinstance(groups, list):
        raise SettingsError(f"{source}: {where} must be a list of {{matcher, hooks}} objects, not {_shown(groups)}")
    specs: list[HookSpec] = []
    for index, group in enumerate(groups):
        at = f"{where}[{index}]"
        if not isinstance(group, dict):
            raise SettingsError(f"{source}: {at} must be an object with a hooks list, not {_shown(group)}")
        matcher = group.get("matcher", "")
        if matcher is None:
            matcher = ""
        if not isinstance(matcher, str):
            raise SettingsError(f"{source}: {at}.matcher must be a string, not {_shown(matcher)}")
        pattern = _compile(source, at, matcher)
        commands = group.get("hooks")
        if not isinstance(commands, list):
            raise SettingsError(f"{source}: {at}.hooks must be a list of command hooks, not {_shown(commands)}")
        for number, hook in enumerate(commands):
            command, timeout = _parse_command(source, f"{at}.hooks[{number}]", hook)
            specs.append(HookSpec(event, matcher, command, timeout, source, pattern))
    return specs


def _compile(source: Path, at: str, matcher: str) -> re.Pattern[str] | None:
    text = matcher.strip()
    if text in ("", "*"):
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        problem = f"{at}.matcher {json.dumps(matcher)} is not a valid regular expression ({exc})"
        raise SettingsError(f"{source}: {problem}") from exc


def _parse_command(source: Path, at: str, hook: object) -> tuple[str, float]:
    if not isinstance(hook, dict):
        raise SettingsError(f'{source}: {at} must be an object like {{"type": "command", "command": "..."}}')
    kind = hook.get("type", "command")
    if kind != "command":
        raise SettingsError(f'{source}: {at}.type must be "command" (the only kind letta runs), not {_shown(kind)}')
    command = hook.get("command")
    if not isinstance(command, str):
        raise SettingsError(f"{source}: {at}.command must be a string, not {_shown(command)}")
    if not command.strip():
        raise SettingsError(f"{source}: {at}.command is empty")
    timeout = hook.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise SettingsError(f"{source}: {at}.timeout must be a positive number of seconds, not {_shown(timeout)}")
    return command, float(timeout)


def _unknown_event(source: Path, event: str) -> str:
    hint = did_you_mean(event, EVENTS, cutoff=0.7)
    return f"{source}: unknown hook event '{event}' is ignored{hint}; known: {', '.join(EVENTS)}"


def _shown(value: object) -> str:
    return "nothing" if value is None else json.dumps(value)[:60]
