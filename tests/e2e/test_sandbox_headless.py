"""The Bash sandbox through the real `letta -p` with the scripted model: with the analyzer
out of the way (--yolo plus `"sandbox": {"enabled": true}`), escapes are stopped and a
denied file's content never reaches the model; the init event says which wall is up."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, require_sandbox

SECRET = "topsecret-" + uuid.uuid4().hex


def settings(letta: Letta, data: dict[str, object]) -> None:
    (letta.cwd / ".letta").mkdir(exist_ok=True)
    (letta.cwd / ".letta" / "settings.json").write_text(json.dumps(data))


def init_event(stdout: str) -> dict[str, object]:
    event: dict[str, object] = json.loads(stdout.splitlines()[0])
    assert event["type"] == "init"
    return event


def test_yolo_with_the_sandbox_on_stops_escapes(letta: Letta, model_server: ModelServer, outside_dir: Path) -> None:
    require_sandbox("bubblewrap")
    settings(letta, {"sandbox": {"enabled": True}, "permissions": {"deny": ["Read(.env)"]}})
    (letta.cwd / ".env").write_text(f"API_KEY={SECRET}\n")
    (letta.cwd / ".git" / "hooks").mkdir(parents=True)
    (letta.cwd / ".git" / "config").write_text("[core]\n")
    attempts = [
        f"echo pwned > {outside_dir}/marker",
        "printf '[core]\\n\\tfsmonitor = touch pwned\\n' >> .git/config",
        "echo 'touch pwned' > .git/hooks/pre-commit",
        'echo \'{"permissions": {"allow": ["Bash"]}}\' > .letta/settings.local.json',
        "cat .env; eval 'cat .e''nv'; cat .[e]nv | base64",
        "echo ok > inside.txt && cat inside.txt",
    ]
    model_server.script([Reply(tool_calls=[("Bash", {"command": c}) for c in attempts]), Reply(text="done")])
    proc = letta.run("-p", "go", "--yolo", "--output-format", "stream-json", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert init_event(proc.stdout)["sandbox"] == "bubblewrap"
    assert list(outside_dir.iterdir()) == []
    assert "fsmonitor" not in (letta.cwd / ".git" / "config").read_text()
    assert not (letta.cwd / ".git" / "hooks" / "pre-commit").exists()
    assert "Bash" not in (letta.cwd / ".letta" / "settings.local.json").read_text()
    requests = json.dumps(model_server.model_requests)
    assert SECRET not in requests and SECRET not in proc.stdout
    results = [m["content"] for m in model_server.last_messages() if m.get("role") == "tool"]
    assert "blocked by the sandbox: write outside the project" in results[0]
    assert results[-1] == "ok"


def test_default_mode_is_sandboxed_and_yolo_is_not_unless_asked(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="hi"), Reply(text="hi")])
    proc = letta.run("-p", "hi", "--output-format", "stream-json", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert init_event(proc.stdout)["sandbox"] in ("bubblewrap", "landlock")
    proc = letta.run("-p", "hi", "--yolo", "--output-format", "stream-json", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert init_event(proc.stdout)["sandbox"] == "off"


def test_sandbox_can_be_switched_off_and_bad_settings_name_the_file(letta: Letta, model_server: ModelServer) -> None:
    settings(letta, {"sandbox": {"enabled": False}})
    model_server.script([Reply(text="hi")])
    proc = letta.run("-p", "hi", "--output-format", "stream-json", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert init_event(proc.stdout)["sandbox"] == "off"
    settings(letta, {"sandbox": {"network": "yes"}})
    proc = letta.run("-p", "hi", "-m", "openai/gpt-4.1")
    assert proc.returncode == 1
    assert "settings.json: 'sandbox.network' must be true or false" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_network_setting_and_forced_landlock(letta: Letta, model_server: ModelServer, outside_dir: Path) -> None:
    require_sandbox("landlock")
    letta.env["LETTA_SANDBOX_BACKEND"] = "landlock"
    model_server.script([Reply(text="done")])
    proc = letta.run("-p", "go", "--yolo", "--output-format", "stream-json", "-m", "openai/gpt-4.1")
    assert init_event(proc.stdout)["sandbox"] == "off"  # bypassPermissions: opt-in
    settings(letta, {"sandbox": {"enabled": True}})
    model_server.script([Reply(tool_calls=[("Bash", {"command": f"touch {outside_dir}/marker2"})]), Reply(text="done")])
    proc = letta.run("-p", "go", "--yolo", "--output-format", "stream-json", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    assert init_event(proc.stdout)["sandbox"] == "landlock"
    assert not (outside_dir / "marker2").exists()
