from __future__ import annotations

import pytest

from letta_code.permissions import PermissionMode, next_mode, parse_mode


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("default", PermissionMode.DEFAULT),
        ("standard", PermissionMode.DEFAULT),
        ("acceptEdits", PermissionMode.ACCEPT_EDITS),
        ("accept-edits", PermissionMode.ACCEPT_EDITS),
        ("ACCEPTEDITS", PermissionMode.ACCEPT_EDITS),
        ("plan", PermissionMode.PLAN),
        ("bypassPermissions", PermissionMode.BYPASS_PERMISSIONS),
        ("unrestricted", PermissionMode.BYPASS_PERMISSIONS),
        ("strict", PermissionMode.STRICT),
        (" Strict ", PermissionMode.STRICT),
        (PermissionMode.PLAN, PermissionMode.PLAN),
    ],
)
def test_parse_mode(text: str, mode: PermissionMode) -> None:
    assert parse_mode(text) is mode


@pytest.mark.parametrize("bad", ["", "yolo!", "bypass", "accept", "read-only"])
def test_parse_mode_rejects_unknown_names_and_lists_valid_ones(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_mode(bad)
    message = str(info.value)
    for name in ("default", "acceptEdits", "plan", "bypassPermissions", "strict", "standard", "unrestricted"):
        assert name in message


def test_mode_values_are_the_cli_names() -> None:
    assert [m.value for m in PermissionMode] == ["default", "acceptEdits", "plan", "bypassPermissions", "strict"]
    assert str(PermissionMode.ACCEPT_EDITS) == "acceptEdits"


def test_shift_tab_cycle() -> None:
    mode = PermissionMode.DEFAULT
    seen = []
    for _ in range(5):
        mode = next_mode(mode)
        seen.append(mode)
    assert seen == [
        PermissionMode.ACCEPT_EDITS,
        PermissionMode.PLAN,
        PermissionMode.BYPASS_PERMISSIONS,
        PermissionMode.DEFAULT,
        PermissionMode.ACCEPT_EDITS,
    ]


def test_strict_leaves_to_default() -> None:
    assert next_mode(PermissionMode.STRICT) is PermissionMode.DEFAULT
