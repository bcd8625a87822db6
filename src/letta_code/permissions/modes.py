"""Permission modes: how much the agent may do without asking.

The names follow Claude Code / Letta Code (`default`, `acceptEdits`, `plan`,
`bypassPermissions`) plus `strict`. The CLI also accepts the Letta Code labels
`standard` (= default) and `unrestricted` (= bypassPermissions).
"""

from __future__ import annotations

from enum import StrEnum


class PermissionMode(StrEnum):
    """What the checker does with a call that no rule decides."""

    DEFAULT = "default"
    ACCEPT_EDITS = "acceptEdits"
    PLAN = "plan"
    BYPASS_PERMISSIONS = "bypassPermissions"
    STRICT = "strict"


_ALIASES: dict[str, PermissionMode] = {
    "default": PermissionMode.DEFAULT,
    "standard": PermissionMode.DEFAULT,
    "acceptedits": PermissionMode.ACCEPT_EDITS,
    "plan": PermissionMode.PLAN,
    "bypasspermissions": PermissionMode.BYPASS_PERMISSIONS,
    "unrestricted": PermissionMode.BYPASS_PERMISSIONS,
    "strict": PermissionMode.STRICT,
}

VALID_MODE_NAMES: tuple[str, ...] = (
    "default",
    "acceptEdits",
    "plan",
    "bypassPermissions",
    "strict",
    "standard",
    "unrestricted",
)

# Shift+Tab cycles through these; `strict` is only entered explicitly.
_CYCLE: tuple[PermissionMode, ...] = (
    PermissionMode.DEFAULT,
    PermissionMode.ACCEPT_EDITS,
    PermissionMode.PLAN,
    PermissionMode.BYPASS_PERMISSIONS,
)


def parse_mode(text: str | PermissionMode) -> PermissionMode:
    """Turn a mode name (case, '-' and '_' ignored) into a `PermissionMode`.

    Raises ValueError naming the valid choices when `text` is not a mode.
    """
    if isinstance(text, PermissionMode):
        return text
    key = str(text).strip().lower().replace("-", "").replace("_", "")
    try:
        return _ALIASES[key]
    except KeyError:
        valid = ", ".join(VALID_MODE_NAMES)
        raise ValueError(f"unknown permission mode {text!r}; valid modes: {valid}") from None


def next_mode(mode: PermissionMode) -> PermissionMode:
    """The mode Shift+Tab switches to: default -> acceptEdits -> plan -> bypassPermissions -> default.

    `strict` is not part of the cycle; Shift+Tab from strict goes to default.
    """
    if mode not in _CYCLE:
        return PermissionMode.DEFAULT
    return _CYCLE[(_CYCLE.index(mode) + 1) % len(_CYCLE)]
