"""Saving "allow always" rules, and the text a headless run returns for a call that would ask."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from letta_code.config import paths
from letta_code.config.settings import (
    SettingsError,
    ensure_local_settings_ignored,
    read_json_file,
    update_json_file,
)
from letta_code.permissions.categories import PATH_ARGUMENT
from letta_code.permissions.decision import Decision
from letta_code.permissions.rules import parse_rule

RuleKind = Literal["allow", "deny", "ask"]
_MAX_SHOWN = 200


def save_rule(rule: str, kind: RuleKind, path: Path) -> bool:
    """Append `rule` to `permissions.<kind>` in the settings file at `path`.

    The rule is validated first (RuleError). Returns False when it was already there.
    """
    parsed = parse_rule(rule)
    data = read_json_file(path)
    perms = data.get("permissions", {})
    if not isinstance(perms, dict):
        raise SettingsError(f"{path}: 'permissions' must be an object")
    rules = perms.get(kind, [])
    if not isinstance(rules, list):
        raise SettingsError(f"{path}: 'permissions.{kind}' must be a list of strings")
    if parsed.text in rules:
        return False
    update_json_file(path, {"permissions": {**perms, kind: [*rules, parsed.text]}})
    return True


def save_allow_rule(rule: str, cwd: str | os.PathLike[str]) -> bool:
    """ "Allow always": add `rule` to permissions.allow in `./.letta/settings.local.json`.

    No duplicates; the file is written atomically and kept out of git.
    Returns False when the rule was already saved.
    """
    path = paths.project_local_settings_path(Path(cwd))
    ensure_local_settings_ignored(path.parent)
    return save_rule(rule, "allow", path)


def describe_call(tool_name: str, args: dict[str, Any] | None) -> str:
    """A short rule-like description of a call: `Bash(rm x)`, `Read(/etc/hosts)`, `WebFetch`."""
    args = args or {}
    value: Any = None
    if tool_name == "Bash":
        value = args.get("command")
    elif tool_name in PATH_ARGUMENT:
        value = args.get(PATH_ARGUMENT[tool_name]) or (None if tool_name in ("Read",) else ".")
    if not isinstance(value, str) or not value:
        return tool_name
    shown = value.replace("\n", "\\n")
    if len(shown) > _MAX_SHOWN:
        shown = shown[: _MAX_SHOWN - 3] + "..."
    return f"{tool_name}({shown})"


def _quoted(text: str) -> str:
    return f"'{text}'" if '"' in text else f'"{text}"'


def headless_denial_message(tool_name: str, args: dict[str, Any] | None, decision: Decision) -> str:
    """The tool result for a call refused in headless mode (no one to ask).

    It names the flag or the rule that would allow the call, e.g.
    `Permission denied: Bash(rm x) needs approval. To allow it, rerun with
    --allowedTools "Bash(rm:*)" or --yolo, or add "Bash(rm:*)" to
    permissions.allow in .letta/settings.json.`
    """
    call = describe_call(tool_name, args)
    if decision.behavior == "deny":
        return f"Permission denied: {call}: {decision.reason}"
    if decision.behavior == "allow":
        raise ValueError("headless_denial_message() called for an allowed call")
    if decision.rule is not None:
        return (
            f"Permission denied: {call} needs approval: it matches the ask rule "
            f"{_quoted(decision.rule)} in permissions.ask. Approve it in an interactive session, "
            f"or remove that rule from your settings."
        )
    suggestions = decision.suggestions or ((decision.suggestion,) if decision.suggestion else ())
    if suggestions:
        joined = ",".join(suggestions)
        listed = " and ".join(_quoted(s) for s in suggestions)
        return (
            f"Permission denied: {call} needs approval. To allow it, rerun with "
            f"--allowedTools {_quoted(joined)} or --yolo, or add {listed} to "
            f"permissions.allow in .letta/settings.json."
        )
    return (
        f"Permission denied: {call} needs approval ({decision.reason}). No rule can allow it; "
        f"to run it, rerun with --yolo or approve it in an interactive session."
    )
