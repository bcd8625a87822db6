"""Flags that contradict each other, and permission rules naming unknown tools: refused
in one line on stderr, exit 1, before anything is created (real `letta` subprocesses)."""

from __future__ import annotations

import json
import subprocess

import pytest

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1"]


def refused(proc: subprocess.CompletedProcess[str], text: str) -> None:
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("letta: ") and text in lines[0], proc.stderr


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--continue", "--new"], "--continue contradicts --new"),
        (["--agent", "agent-123", "--new-agent"], "--agent agent-123 contradicts --new-agent"),
        (["--new", "--new-agent"], "--new contradicts --new-agent"),
        (["--continue", "--new-agent"], "--continue contradicts --new-agent"),
        (["--name", "helper", "--agent", "agent-123"], "--name helper contradicts --agent"),
    ],
)
def test_contradicting_flags_are_refused(letta: Letta, flags: list[str], message: str) -> None:
    proc = letta.run("-p", "hi", *flags, *MODEL)
    refused(proc, message)
    assert proc.stdout == ""
    assert not (letta.home / "letta.db").exists()


def test_contradiction_still_ends_json_with_a_result(letta: Letta) -> None:
    proc = letta.run("-p", "hi", "--continue", "--new", "--output-format", "json", *MODEL)
    refused(proc, "--continue contradicts --new")
    result = json.loads(proc.stdout)
    assert result["is_error"] is True and "--continue contradicts --new" in result["result"]


@pytest.mark.parametrize("flag", ["--allowedTools", "--disallowedTools"])
def test_rule_with_misspelled_tool_is_refused(letta: Letta, flag: str) -> None:
    proc = letta.run("-p", "hi", flag, "Read,Bsh(touch:*)", *MODEL)
    refused(proc, f"bad permission rule in {flag}: 'Bsh(touch:*)' names an unknown tool 'Bsh'")
    assert "did you mean 'Bash'?" in proc.stderr
    assert not (letta.home / "letta.db").exists()


def test_rule_in_settings_file_with_misspelled_tool_names_the_file(letta: Letta) -> None:
    settings = letta.cwd / ".letta" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"permissions": {"allow": ["Read"], "deny": ["Bsh(rm:*)"]}}))
    proc = letta.run("-p", "hi", "--output-format", "json", *MODEL)
    refused(proc, f"bad permission rule in {settings} (permissions.deny): 'Bsh(rm:*)' names an unknown tool 'Bsh'")
    assert json.loads(proc.stdout)["is_error"] is True
    assert not (letta.home / "letta.db").exists()


def test_unparsable_rule_in_settings_file_names_the_file(letta: Letta) -> None:
    (letta.home / "settings.json").write_text(json.dumps({"permissions": {"ask": ["Bash(a && b)"]}}))
    proc = letta.run("-p", "hi", *MODEL)
    refused(proc, f"bad permission rule in {letta.home / 'settings.json'} (permissions.ask): invalid rule")


def test_rules_naming_known_tools_are_accepted(letta: Letta, model_server: ModelServer) -> None:
    settings = letta.cwd / ".letta" / "settings.json"
    settings.parent.mkdir()
    allow = ["mcp__github", "mcp__github__create_issue", "WebFetch(domain:example.org)", "memory_insert", "Skill"]
    settings.write_text(json.dumps({"permissions": {"allow": allow}}))
    model_server.script([Reply(text="fine")])
    proc = letta.run(
        "-p",
        "hi",
        "--allowedTools",
        "Bash(npm run test:*),Read(./src/**),TodoWrite",
        "--output-format",
        "json",
        *MODEL,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"] == "fine"
