"""`letta -p --wait-background`: the process stays until the background commands end and
tells the agent of each end in a turn of its own; without the flag it ends with the turn."""

from __future__ import annotations

import json
import time

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1"]
START = Reply(tool_calls=[("Bash", {"command": "sleep 1; echo done-marker", "run_in_background": True})])


def test_wait_background_sends_the_end_as_a_second_turn(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([START, Reply(text="Started it."), Reply(text="It printed done-marker.")])
    proc = letta.run("-p", "start the job", "--yolo", "--wait-background", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Started it.\nIt printed done-marker.\n"
    told = model_server.last_user_text()
    assert told.startswith("<task-notification>\n<bash-id>bash_1</bash-id>")
    assert "<status>finished, exit code 0</status>" in told and "done-marker" in told
    assert model_server.remaining == 0


def test_json_result_is_the_last_turn_with_every_step(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([START, Reply(text="Started it."), Reply(text="All done.")])
    proc = letta.run("-p", "start the job", "--yolo", "--wait-background", "--output-format", "json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["result"] == "All done." and result["num_turns"] == 3 and not result["is_error"]


def test_without_the_flag_the_process_ends_with_the_turn(letta: Letta, model_server: ModelServer) -> None:
    late = Reply(tool_calls=[("Bash", {"command": "sleep 1; touch late.txt", "run_in_background": True})])
    model_server.script([late, Reply(text="Started it."), Reply(text="never asked")])
    proc = letta.run("-p", "start the job", "--yolo", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Started it.\n"
    assert model_server.remaining == 1  # no notification turn
    time.sleep(1.5)
    assert not (letta.cwd / "late.txt").exists()  # killed when letta ended, as before


def test_the_flag_is_in_help(letta: Letta) -> None:
    proc = letta.run("--help")
    assert "--wait-background" in proc.stdout
