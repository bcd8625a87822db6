from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from letta_code.config.settings import Settings, SettingsError
from letta_code.permissions import (
    Decision,
    PermissionChecker,
    RuleError,
    describe_call,
    headless_denial_message,
    save_allow_rule,
)


def _local(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project / ".letta" / "settings.local.json").read_text())
    return data


def test_save_allow_rule_creates_the_local_file(project: Path) -> None:
    assert save_allow_rule("Bash(npm test:*)", project) is True
    assert _local(project) == {"permissions": {"allow": ["Bash(npm test:*)"]}}
    assert "settings.local.json" in (project / ".letta" / ".gitignore").read_text().splitlines()


def test_save_allow_rule_appends_without_duplicates_and_keeps_other_keys(project: Path) -> None:
    path = project / ".letta" / "settings.local.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"lastAgent": "agent-1", "permissions": {"allow": ["Read"], "deny": ["Bash(rm:*)"]}}))
    assert save_allow_rule("Bash(git diff:*)", project) is True
    assert save_allow_rule("Bash(git diff:*)", project) is False
    assert save_allow_rule("  Bash(git diff:*)  ", project) is False
    data = _local(project)
    assert data["lastAgent"] == "agent-1"
    assert data["permissions"] == {"allow": ["Read", "Bash(git diff:*)"], "deny": ["Bash(rm:*)"]}


def test_saved_rules_take_effect_through_settings(project: Path) -> None:
    save_allow_rule("Bash(make lint:*)", project)
    checker = PermissionChecker.from_rules(Settings.load(project).permission_rules(), "default", project)
    assert checker.check("Bash", {"command": "make lint --fix"}).behavior == "allow"


def test_save_rejects_bad_rules_and_bad_files(project: Path) -> None:
    with pytest.raises(RuleError):
        save_allow_rule("Bash(rm x; ls)", project)
    assert not (project / ".letta" / "settings.local.json").exists()
    path = project / ".letta" / "settings.local.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"permissions": {"allow": "Bash"}}))
    with pytest.raises(SettingsError):
        save_allow_rule("Read", project)
    path.write_text("{not json")
    with pytest.raises(SettingsError):
        save_allow_rule("Read", project)


def test_headless_message_example(project: Path) -> None:
    checker = PermissionChecker("default", cwd=project)
    args = {"command": "rm x"}
    message = headless_denial_message("Bash", args, checker.check("Bash", args))
    assert message == (
        "Permission denied: Bash(rm x) needs approval. To allow it, rerun with --allowedTools "
        '"Bash(rm:*)" or --yolo, or add "Bash(rm:*)" to permissions.allow in .letta/settings.json.'
    )


@pytest.mark.parametrize(
    ("tool", "args", "mode", "fragments"),
    [
        (
            "Bash",
            {"command": "mkdir b && touch b/x"},
            "default",
            ['--allowedTools "Bash(mkdir:*),Bash(touch:*)"', '"Bash(mkdir:*)" and "Bash(touch:*)"'],
        ),
        ("Edit", {"file_path": "src/a.py"}, "default", ["Edit(src/a.py) needs approval", '"Edit(./src/**)"', "--yolo"]),
        ("Read", {"file_path": "/etc/hosts"}, "default", ['--allowedTools "Read(//etc/**)"']),
        ("WebFetch", {"url": "https://x.org"}, "default", ['--allowedTools "WebFetch(domain:x.org)"']),
        ("Bash", {"command": "eval ls"}, "default", ["No rule can allow it", "--yolo", "eval"]),
        ("ExitPlanMode", {}, "plan", ["ExitPlanMode needs approval", "--yolo"]),
        ("Bash", {"command": 'git commit -m "x y"'}, "default", ['--allowedTools "Bash(git commit:*)"']),
    ],
)
def test_headless_messages_name_a_way_out(
    project: Path, tool: str, args: dict[str, str], mode: str, fragments: list[str]
) -> None:
    decision = PermissionChecker(mode, cwd=project).check(tool, args)
    assert decision.behavior == "ask"
    message = headless_denial_message(tool, args, decision)
    assert message.startswith("Permission denied: ")
    for fragment in fragments:
        assert fragment in message


def test_headless_message_for_ask_rules_and_denials(project: Path) -> None:
    checker = PermissionChecker("default", ask=["Bash(git push:*)"], deny=["Read(.env)"], cwd=project)
    args = {"command": "git push"}
    message = headless_denial_message("Bash", args, checker.check("Bash", args))
    assert 'ask rule "Bash(git push:*)"' in message
    denied = checker.check("Read", {"file_path": ".env"})
    message = headless_denial_message("Read", {"file_path": ".env"}, denied)
    assert message == "Permission denied: Read(.env): Read is denied by the rule Read(.env)"
    with pytest.raises(ValueError):
        headless_denial_message("Read", {}, Decision("allow", "ok"))


def test_headless_message_quotes_rules_with_double_quotes() -> None:
    decision = Decision("ask", "x", None, 'Bash(echo "a b":*)', ('Bash(echo "a b":*)',))
    message = headless_denial_message("Bash", {"command": 'echo "a b" c'}, decision)
    assert "--allowedTools 'Bash(echo \"a b\":*)'" in message


def test_describe_call() -> None:
    assert describe_call("Bash", {"command": "ls\nrm x"}) == "Bash(ls\\nrm x)"
    assert describe_call("Bash", {"command": "x" * 500}).endswith("...)")
    assert len(describe_call("Bash", {"command": "x" * 500})) < 220
    assert describe_call("Read", {"file_path": "a.py"}) == "Read(a.py)"
    assert describe_call("Grep", {"pattern": "x"}) == "Grep(.)"
    assert describe_call("NotebookEdit", {"notebook_path": "n.ipynb"}) == "NotebookEdit(n.ipynb)"
    assert describe_call("WebFetch", {"url": "u"}) == "WebFetch"
    assert describe_call("Read", None) == "Read"
