"""Reading the `hooks` key of the settings files: shapes, errors, matchers, sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from letta_code.config.settings import SettingsError
from letta_code.harness.hook_config import DEFAULT_TIMEOUT, HookConfig, parse_hooks

GLOBAL = Path("/home/me/.letta/settings.json")
PROJECT = Path("/work/app/.letta/settings.json")


def one(event: str, matcher: object = None, **hook: object) -> dict[str, object]:
    group: dict[str, object] = {"hooks": [{"type": "command", "command": "true", **hook}]}
    if matcher is not None:
        group["matcher"] = matcher
    return {"hooks": {event: [group]}}


def parsed(data: dict[str, object], source: Path = PROJECT) -> HookConfig:
    return parse_hooks([(source, data)])


def test_hooks_of_every_file_apply_in_file_order_and_keep_their_source() -> None:
    config = parse_hooks(
        [
            (GLOBAL, {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "a"}]}]}}),
            (PROJECT, {"model": "x"}),
            (PROJECT.with_name("settings.local.json"), one("Stop", command="b", timeout=5)),
        ]
    )
    assert [(h.event, h.command, h.source.name) for h in config.hooks] == [
        ("PreToolUse", "a", "settings.json"),
        ("Stop", "b", "settings.local.json"),
    ]
    assert config.hooks[0].source == GLOBAL and config.hooks[0].timeout == DEFAULT_TIMEOUT
    assert config.hooks[1].timeout == 5.0
    assert not parse_hooks([(GLOBAL, {}), (PROJECT, {"hooks": {}})])  # nothing configured


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"hooks": []}, "hooks must be an object of events"),
        ({"hooks": {"PreToolUse": {}}}, "hooks.PreToolUse must be a list"),
        ({"hooks": {"PreToolUse": ["Bash"]}}, "hooks.PreToolUse[0] must be an object"),
        (one("PreToolUse", matcher=3), "hooks.PreToolUse[0].matcher must be a string"),
        (one("PreToolUse", matcher="Bash("), 'hooks.PreToolUse[0].matcher "Bash(" is not a valid regular'),
        ({"hooks": {"Stop": [{"matcher": ""}]}}, "hooks.Stop[0].hooks must be a list"),
        ({"hooks": {"Stop": [{"hooks": ["ls"]}]}}, "hooks.Stop[0].hooks[0] must be an object"),
        (one("PreToolUse", command=7), "hooks.PreToolUse[0].hooks[0].command must be a string"),
        (one("PreToolUse", command="  "), "hooks.PreToolUse[0].hooks[0].command is empty"),
        (one("Stop", type="prompt"), 'hooks.Stop[0].hooks[0].type must be "command"'),
        (one("Stop", timeout=0), "hooks.Stop[0].hooks[0].timeout must be a positive number"),
        (one("Stop", timeout="10"), "hooks.Stop[0].hooks[0].timeout must be a positive number"),
        (one("Stop", timeout=True), "hooks.Stop[0].hooks[0].timeout must be a positive number"),
    ],
)
def test_a_bad_shape_is_one_line_naming_the_file_and_the_key(data: dict[str, object], error: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parsed(data)
    assert str(caught.value).startswith(f"{PROJECT}: {error}")
    assert "\n" not in str(caught.value)


def test_an_unknown_event_is_a_warning_naming_the_file_not_an_error() -> None:
    config = parsed({"hooks": {"PreToolUze": [], "Stop": [{"hooks": [{"type": "command", "command": "true"}]}]}})
    assert [h.event for h in config.hooks] == ["Stop"]
    (warning,) = config.warnings
    assert warning.startswith(f"{PROJECT}: unknown hook event 'PreToolUze' is ignored (did you mean 'PreToolUse'?)")


@pytest.mark.parametrize(
    ("matcher", "matching", "not_matching"),
    [
        (None, ["Bash", "Read", "mcp__github__search"], []),
        ("", ["Bash", "Write"], []),
        ("*", ["Bash", "Write"], []),
        ("Bash", ["Bash"], ["BashOutput", "MyBash", "bash"]),
        ("Edit|Write", ["Edit", "Write"], ["MultiEdit", "Read", "Edit|Write"]),
        ("Notebook.*", ["NotebookEdit"], ["ANotebook"]),
        ("mcp__github__.*", ["mcp__github__search", "mcp__github__create_issue"], ["mcp__gitlab__search"]),
        ("mcp__.*__write.*", ["mcp__fs__write_file"], ["mcp__fs__read_file"]),
    ],
)
def test_tool_matchers_are_whole_name_regexes(
    matcher: str | None, matching: list[str], not_matching: list[str]
) -> None:
    config = parsed(one("PreToolUse", matcher=matcher))
    for name in matching:
        assert config.matching("PreToolUse", name), name
    for name in not_matching:
        assert not config.matching("PreToolUse", name), name


def test_session_start_matches_its_source_and_events_without_a_subject_ignore_the_matcher() -> None:
    config = parse_hooks(
        [
            (PROJECT, one("SessionStart", matcher="startup|resume", command="start")),
            (GLOBAL, one("Stop", matcher="Bash", command="stop")),
        ]
    )
    assert [h.command for h in config.matching("SessionStart", "resume")] == ["start"]
    assert config.matching("SessionStart", "clear") == []
    assert [h.command for h in config.matching("Stop")] == ["stop"]  # no subject: the matcher is moot
    assert config.matching("PreToolUse", "Bash") == []  # another event


def test_the_same_command_in_two_files_runs_once() -> None:
    config = parse_hooks([(GLOBAL, one("Stop", command="lint")), (PROJECT, one("Stop", command="lint"))])
    assert len(config.hooks) == 2
    (only,) = config.matching("Stop")
    assert only.source == GLOBAL
