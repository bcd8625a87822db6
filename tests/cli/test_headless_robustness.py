"""Headless edge cases found in review: step budgets, interrupts, bad input from the model
or the user, and places we may not write to."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import Letta, letta_executable
from tests.fakes.model_server import ModelServer, Reply

MODEL = ["-m", "openai/gpt-4.1"]


def tool_results(server: ModelServer) -> list[str]:
    return [m["content"] for m in server.last_messages() if m.get("role") == "tool"]


def test_max_steps_bounds_the_whole_turn(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(tool_calls=[("Bash", {"command": f"echo {i}"})]) for i in range(10)])
    proc = letta.run("-p", "loop", "--yolo", "--max-steps", "2", "--output-format", "json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["stop_reason"] == "max_steps" and result["num_turns"] == 2
    assert len(model_server.model_requests) == 2
    # The unanswered call was closed, so the conversation takes new messages.
    model_server.clear()
    model_server.script([Reply(text="fresh")])
    again = letta.run("-p", "next", *MODEL)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "fresh\n"
    assert any("limit of 2 steps" in r for r in tool_results(model_server))


def test_ctrl_c_stops_a_running_command_and_it_never_reruns(letta: Letta, model_server: ModelServer) -> None:
    marker = letta.cwd / "marker"
    model_server.script([Reply(tool_calls=[("Bash", {"command": f"sleep 15; echo ran >> {marker}"})])])
    proc = subprocess.Popen(
        [*letta_executable(), "-p", "go", "--yolo", "--output-format", "json", *MODEL], cwd=letta.cwd, env=letta.env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    model_server.wait_for_requests(1, timeout=20)
    time.sleep(1.0)  # the Bash call is running now
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert time.monotonic() - started < 8, "waited for the command instead of stopping it"
    assert json.loads(out)["is_error"] is True
    time.sleep(0.5)
    assert not marker.exists()
    model_server.script([Reply(text="ok")])
    again = letta.run("-p", "what is 2+2", "--yolo", *MODEL)
    assert again.returncode == 0, again.stderr
    assert not marker.exists()  # the interrupted command was not run again
    assert any("not run" in r for r in tool_results(model_server))


def test_unusable_model_switch_leaves_the_agent_alone(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok"), Reply(text="still ok")])
    assert letta.run("-p", "hi", *MODEL).returncode == 0
    del letta.env["ANTHROPIC_API_KEY"]
    bad = letta.run("-p", "hi", "-m", "anthropic/claude-sonnet-4-5")
    assert bad.returncode == 1 and "ANTHROPIC_API_KEY" in bad.stderr
    good = letta.run("-p", "hi")
    assert good.returncode == 0, good.stderr
    assert model_server.last_request()["model"] == "gpt-4.1"


def test_repeated_tool_call_ids_both_run(letta: Letta, model_server: ModelServer) -> None:
    model_server.script(
        [Reply(tool_calls=[("Bash", {"command": "echo one"}, "dup"), ("Bash", {"command": "echo two"}, "dup")]), Reply(text="ok")]
    )
    assert letta.run("-p", "go", "--yolo", *MODEL).returncode == 0
    assert sorted(r.strip() for r in tool_results(model_server)) == ["one", "two"]


def test_malformed_arguments_are_reported_to_the_model(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(tool_calls=[("Bash", '{"command": "echo hi"', "c1")]), Reply(text="sorry")])
    assert letta.run("-p", "go", "--yolo", *MODEL).returncode == 0
    (result,) = tool_results(model_server)
    assert result.startswith("Error: invalid arguments for Bash: not valid JSON")


def test_open_stdin_does_not_hang_a_prompt(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="answered")])
    proc = subprocess.Popen(
        [*letta_executable(), "-p", "hi", *MODEL], cwd=letta.cwd, env=letta.env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.returncode == 0, "letta -p waited for stdin that never came"
        assert proc.stdout is not None and proc.stdout.read() == "answered\n"
    finally:
        if proc.poll() is None:
            proc.kill()
        assert proc.stdin is not None
        proc.stdin.close()


def test_settings_with_wrong_types_name_the_key(letta: Letta) -> None:
    (letta.home / "settings.json").write_text(json.dumps({"permissions": ["Bash"]}))
    proc = letta.run("-p", "hi", "--output-format", "json", *MODEL)
    assert proc.returncode == 1
    assert "'permissions' must be an object" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert json.loads(proc.stdout)["is_error"] is True


def test_yolo_and_another_mode_contradict(letta: Letta) -> None:
    proc = letta.run("-p", "hi", "--yolo", "--permission-mode", "plan", *MODEL)
    assert proc.returncode == 1 and "--yolo contradicts --permission-mode plan" in proc.stderr


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs a directory even root cannot write to")
def test_unwritable_directory_still_works(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="fine")])
    proc = letta.run("-p", "hi", *MODEL, cwd=Path("/sys/kernel"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "fine\n" and "cannot save .letta settings here" in proc.stderr
