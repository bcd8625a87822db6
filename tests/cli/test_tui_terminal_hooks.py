"""Hooks in the interactive `letta`, in a real terminal (tmux): a PreToolUse hook blocks a
call under --yolo, a Notification hook runs before a permission prompt, a failing hook is
one line, `/hooks` lists them, SessionEnd runs at /exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from letta_code.testing import ModelServer, Reply
from tests.cli.test_tui_terminal import Terminal, start
from tests.conftest import Letta

pytestmark = pytest.mark.slow


def write_hooks(project: Path, hooks: dict[str, str], matcher: str = "") -> None:
    folder = project / ".letta"
    folder.mkdir(exist_ok=True)
    table = {event: [{"matcher": matcher, "hooks": [{"type": "command", "command": c}]}] for event, c in hooks.items()}
    (folder / "settings.json").write_text(json.dumps({"hooks": table}))


def test_hooks_guard_notify_and_report_in_the_terminal_ui(
    letta: Letta, model_server: ModelServer, terminals: list[Terminal]
) -> None:
    write_hooks(
        letta.cwd,
        {
            "PreToolUse": 'grep -q "rm " && { echo "no deleting here" >&2; exit 2; }; exit 0',
            "Notification": 'cat > "$LETTA_PROJECT_DIR/notified.json"',
            "SessionStart": "echo 'start hook is broken' >&2; exit 1",
            "SessionEnd": 'cat > "$LETTA_PROJECT_DIR/ended.json"',
        },
    )
    (letta.cwd / "keep.txt").write_text("x")
    model_server.script(
        [
            Reply(tool_calls=[("Bash", {"command": "rm keep.txt"})]),
            Reply(text="I left it alone."),
            Reply(tool_calls=[("Bash", {"command": "touch made.txt"})]),
            Reply(text="Made it."),
        ]
    )
    term = start(terminals, letta)
    term.wait_for("hook SessionStart \"echo 'start hook is broken' >&2; exit 1\" failed: exit 1: start hook is broken")

    term.say("/hooks")
    term.wait_for("PreToolUse", "Notification", "from .letta/settings.json")

    term.say("/mode bypassPermissions")
    term.say("delete keep.txt")
    term.wait_for("I left it alone.")
    assert (letta.cwd / "keep.txt").exists()
    result = [m for m in model_server.last_messages() if m.get("role") == "tool"][-1]
    assert "no deleting here" in str(result["content"])

    term.say("/mode default")
    term.say("make a file")
    term.wait_for("Do you want to proceed?")
    notice = json.loads((letta.cwd / "notified.json").read_text())
    assert notice["message"] == "Letta needs your permission to use Bash"
    term.keys("1")
    term.wait_for("Made it.")
    assert (letta.cwd / "made.txt").exists()

    term.say("/exit")
    term.wait_for("[letta exited 0]")
    assert json.loads((letta.cwd / "ended.json").read_text())["reason"] == "prompt_input_exit"
