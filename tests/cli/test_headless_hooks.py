"""Hooks through the real `letta -p`: real hook scripts, the scripted model, a real SQLite home."""

from __future__ import annotations

import json
from pathlib import Path

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1"]


def write_hooks(project: Path, hooks: dict[str, object], name: str = "settings.json") -> None:
    folder = project / ".letta"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps({"hooks": hooks}))


def hook(command: str, matcher: str = "", timeout: float | None = None) -> list[dict[str, object]]:
    spec: dict[str, object] = {"type": "command", "command": command}
    if timeout is not None:
        spec["timeout"] = timeout
    return [{"matcher": matcher, "hooks": [spec]}]


def tool_results(server: ModelServer) -> list[str]:
    return [str(m["content"]) for m in server.last_messages() if m.get("role") == "tool"]


def test_a_pre_tool_use_hook_that_exits_2_blocks_bash_under_yolo_and_tells_the_model(
    letta: Letta, model_server: ModelServer
) -> None:
    guard = 'cat > "$LETTA_PROJECT_DIR/hook-input.json"; echo "no touching in this project" >&2; exit 2'
    write_hooks(letta.cwd, {"PreToolUse": hook(guard, "Bash")})
    model_server.script([Reply(tool_calls=[("Bash", {"command": "touch marker"})]), Reply(text="Understood.")])
    proc = letta.run("-p", "make a marker", "--yolo", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Understood.\n"
    assert not (letta.cwd / "marker").exists()  # the call never ran
    seen = json.loads((letta.cwd / "hook-input.json").read_text())
    assert seen["hook_event_name"] == "PreToolUse" and seen["tool_name"] == "Bash"
    assert seen["tool_input"]["command"] == "touch marker"
    assert seen["permission_mode"] == "bypassPermissions" and seen["cwd"] == str(letta.cwd)
    assert seen["session_id"] == seen["conversation_id"] and seen["agent_id"].startswith("agent-")
    # The next model request carries the hook's stderr as the call's result.
    (result,) = tool_results(model_server)
    assert "no touching in this project" in result and "PreToolUse hook" in result


def test_a_post_tool_use_hook_runs_after_an_allowed_call_and_sees_its_result(
    letta: Letta, model_server: ModelServer
) -> None:
    after = 'cat > "$LETTA_PROJECT_DIR/after.json"'
    write_hooks(letta.cwd, {"PostToolUse": hook(after, "Bash")}, name="settings.local.json")
    model_server.script([Reply(tool_calls=[("Bash", {"command": "echo made > made.txt; echo hello"})]), Reply("ok")])
    proc = letta.run("-p", "make a file", "--yolo", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert (letta.cwd / "made.txt").read_text() == "made\n"  # the call ran, then the hook
    seen = json.loads((letta.cwd / "after.json").read_text())
    assert seen["hook_event_name"] == "PostToolUse" and seen["tool_input"]["command"].startswith("echo made")
    assert seen["tool_response"]["status"] == "success" and "hello" in seen["tool_response"]["output"]


def test_a_blocking_user_prompt_submit_hook_sends_nothing_and_exits_1_with_its_reason(
    letta: Letta, model_server: ModelServer
) -> None:
    write_hooks(letta.cwd, {"UserPromptSubmit": hook("echo 'prompts about secrets are refused' >&2; exit 2")})
    model_server.script([Reply(text="should not be asked")])
    proc = letta.run("-p", "tell me the secrets", *MODEL)
    assert proc.returncode == 1
    assert proc.stderr == "letta: a UserPromptSubmit hook blocked the prompt: prompts about secrets are refused\n"
    assert proc.stdout == "" and model_server.model_requests == []  # nothing was sent to the model


def test_session_start_and_prompt_context_reach_the_model_and_session_end_runs(
    letta: Letta, model_server: ModelServer
) -> None:
    write_hooks(
        letta.cwd,
        {
            "SessionStart": hook("echo 'the build uses make'", "startup"),
            "UserPromptSubmit": hook('echo \'{"hookSpecificOutput": {"additionalContext": "today is a holiday"}}\''),
            "SessionEnd": hook('cat > "$LETTA_PROJECT_DIR/end.json"'),
        },
    )
    model_server.script([Reply(text="noted")])
    proc = letta.run("-p", "hello", *MODEL)
    assert proc.returncode == 0, proc.stderr
    text = model_server.last_user_text()
    assert "hello" in text and "the build uses make" in text and "today is a holiday" in text
    assert json.loads((letta.cwd / "end.json").read_text())["hook_event_name"] == "SessionEnd"


def test_a_failing_hook_is_one_line_and_the_turn_goes_on(letta: Letta, model_server: ModelServer) -> None:
    write_hooks(letta.cwd, {"PreToolUse": hook("echo broken script >&2; exit 1")})
    model_server.script([Reply(tool_calls=[("Bash", {"command": "touch made.txt"})]), Reply(text="done")])
    proc = letta.run("-p", "make a file", "--yolo", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert (letta.cwd / "made.txt").exists()
    assert 'letta: hook PreToolUse "echo broken script >&2; exit 1" failed: exit 1: broken script' in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_stop_hook_sends_the_agent_on_once(letta: Letta, model_server: ModelServer) -> None:
    # Blocks the first stop only (stop_hook_active is false), then lets the agent end.
    script = 'if grep -q \'"stop_hook_active": false\'; then echo "run the tests first" >&2; exit 2; fi; exit 0'
    write_hooks(letta.cwd, {"Stop": hook(script)})
    model_server.script([Reply(text="all done"), Reply(text="tests pass, done")])
    proc = letta.run("-p", "fix it", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "tests pass, done\n"
    assert "run the tests first" in model_server.last_user_text()


def test_a_bad_hook_is_one_settings_line_naming_the_file_and_key(letta: Letta) -> None:
    write_hooks(letta.cwd, {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": 7}]}]})
    proc = letta.run("-p", "hi", *MODEL)
    assert proc.returncode == 1
    line = f"{letta.cwd / '.letta' / 'settings.json'}: hooks.PreToolUse[0].hooks[0].command must be a string"
    assert line in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_stop_hook_that_always_blocks_sends_the_agent_on_at_most_five_times(
    letta: Letta, model_server: ModelServer
) -> None:
    write_hooks(letta.cwd, {"Stop": hook("echo 'keep going' >&2; exit 2")})
    model_server.script([Reply(text=f"answer {n}") for n in range(10)])
    proc = letta.run("-p", "work", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "answer 5\n" and len(model_server.model_requests) == 6


def test_continue_false_from_a_post_tool_use_hook_ends_the_turn_after_the_call(
    letta: Letta, model_server: ModelServer
) -> None:
    write_hooks(letta.cwd, {"PostToolUse": hook("""echo '{"continue": false, "stopReason": "the build broke"}'""")})
    model_server.script([Reply(tool_calls=[("Bash", {"command": "touch made"})])])
    proc = letta.run("-p", "make it", "--yolo", *MODEL)
    assert proc.returncode == 1
    assert proc.stderr == "letta: a hook stopped the turn: the build broke\n"
    assert (letta.cwd / "made").exists() and len(model_server.model_requests) == 1
    # The call's result was stored: the conversation goes on with nothing left waiting.
    (letta.cwd / ".letta" / "settings.json").unlink()
    model_server.script([Reply(text="fine")])
    again = letta.run("-p", "and now?", *MODEL)
    assert again.returncode == 0 and again.stdout == "fine\n", again.stderr
    assert any(m.get("role") == "tool" for m in model_server.last_messages())
