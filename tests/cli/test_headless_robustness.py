"""Headless edge cases found in review: step budgets, interrupts, bad input from the model
or the user, and places we may not write to."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable

MODEL = ["-m", "openai/gpt-4.1"]


def tool_results(server: ModelServer) -> list[str]:
    return [m["content"] for m in server.last_messages() if m.get("role") == "tool"]


def test_max_steps_bounds_the_whole_turn(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(tool_calls=[("Bash", {"command": f"echo {i}"})]) for i in range(10)])
    proc = letta.run("-p", "loop", "--yolo", "--max-steps", "2", "--output-format", "json", *MODEL)
    assert proc.returncode == 1, proc.stderr  # the agent did not finish: an error, as the text mode says
    result = json.loads(proc.stdout)
    assert result["stop_reason"] == "max_steps" and result["num_turns"] == 2
    assert result["is_error"] is True and result["subtype"] == "error" and "--max-steps" in result["result"]
    assert len(model_server.model_requests) == 2
    # The unanswered call was closed, so the conversation takes new messages.
    model_server.clear()
    model_server.script([Reply(text="fresh")])
    again = letta.run("-p", "next", *MODEL)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "fresh\n"
    assert any("limit of 2 steps" in r for r in tool_results(model_server))


@pytest.mark.parametrize("fmt", ["text", "stream-json"])
def test_a_turn_the_step_limit_stopped_is_an_error(letta: Letta, model_server: ModelServer, fmt: str) -> None:
    model_server.script([Reply(text="let me look", tool_calls=[("Bash", {"command": "echo 1"})])])
    proc = letta.run("-p", "loop", "--yolo", "--max-steps", "1", "--output-format", fmt, *MODEL)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "limit of 1 model steps (--max-steps)" in lines[0], proc.stderr
    if fmt == "text":
        assert proc.stdout == ""  # not an empty line that looks like an answer
    else:
        result = json.loads(proc.stdout.splitlines()[-1])
        assert (result["subtype"], result["is_error"], result["stop_reason"]) == ("error", True, "max_steps")


def test_a_turn_within_its_step_limit_is_a_success(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(tool_calls=[("Bash", {"command": "echo 1"})]), Reply(text="done")])
    proc = letta.run("-p", "go", "--yolo", "--max-steps", "2", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "done\n" and proc.stderr == ""


def test_ctrl_c_stops_a_running_command_and_it_never_reruns(letta: Letta, model_server: ModelServer) -> None:
    marker = letta.cwd / "marker"
    model_server.script([Reply(tool_calls=[("Bash", {"command": f"sleep 15; echo ran >> {marker}"})])])
    proc = subprocess.Popen(
        [*letta_executable(), "-p", "go", "--yolo", "--output-format", "json", *MODEL],
        cwd=letta.cwd,
        env=letta.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    model_server.wait_for_requests(1, timeout=20)
    time.sleep(1.0)  # the Bash call is running now
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert time.monotonic() - started < 8, "waited for the command instead of stopping it"
    interrupted = json.loads(out)
    assert interrupted["is_error"] is True and interrupted["result"] == "interrupted"
    # What was done before Ctrl-C is reported: the model step that asked for the command.
    assert interrupted["num_turns"] == 1, interrupted
    usage = interrupted["usage"]
    assert usage["prompt_tokens"] > 0 and usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert interrupted["agent_id"] and interrupted["conversation_id"]
    time.sleep(0.5)
    assert not marker.exists()
    model_server.script([Reply(text="ok")])
    again = letta.run("-p", "what is 2+2", "--yolo", *MODEL)
    assert again.returncode == 0, again.stderr
    assert not marker.exists()  # the interrupted command was not run again
    # The model hears it was stopped (it had started: "interrupted while it ran", harness/turn.py).
    assert any(
        r.startswith("Error: ") and ("interrupted while it ran" in r or "not run" in r)
        for r in tool_results(model_server)
    )


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
        [
            Reply(tool_calls=[("Bash", {"command": "echo one"}, "dup"), ("Bash", {"command": "echo two"}, "dup")]),
            Reply(text="ok"),
        ]
    )
    assert letta.run("-p", "go", "--yolo", *MODEL).returncode == 0
    assert sorted(r.strip() for r in tool_results(model_server)) == ["one", "two"]


def test_malformed_arguments_are_reported_to_the_model(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(tool_calls=[("Bash", '{"command": "echo hi"', "c1")]), Reply(text="sorry")])
    assert letta.run("-p", "go", "--yolo", *MODEL).returncode == 0
    (result,) = tool_results(model_server)
    assert result.startswith("Error: invalid arguments for Bash: not valid JSON")


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
