"""`letta -p ... | head -1`: the reader goes away mid-turn; letta exits quietly, like Unix tools."""

from __future__ import annotations

import json
import subprocess

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable

MODEL = ["-m", "openai/gpt-4.1"]
LONG_TEXT = " ".join(f"word{i}" for i in range(400))


def run_and_close_after_first_line(letta: Letta, *args: str) -> tuple[str, int, str]:
    """Start `letta`, read one line of its stdout, close the pipe; (line, exit status, stderr)."""
    with subprocess.Popen(
        [*letta_executable(), *args],
        cwd=letta.cwd,
        env=letta.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        proc.stdout.close()
        try:
            stderr = proc.stderr.read()
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    return line, code, stderr


def test_stream_json_reader_gone_exits_quietly_and_next_run_works(letta: Letta, model_server: ModelServer) -> None:
    # Token streaming, slowly enough that letta still writes after the reader has gone.
    model_server.script([Reply(text=LONG_TEXT, chunk_delay=0.005)])
    line, code, stderr = run_and_close_after_first_line(letta, "-p", "hi", "--output-format", "stream-json", *MODEL)
    assert json.loads(line)["type"] == "init"
    assert stderr == ""
    assert code == 141
    # The conversation is not left busy or broken: the next run in the folder works.
    model_server.script([Reply(text="second answer")])
    proc = letta.run("-p", "again", "--continue", "--output-format", "json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"] == "second answer"


def test_reader_gone_before_a_tool_call_stops_the_turn(letta: Letta, model_server: ModelServer) -> None:
    # The reader goes after the init line; the tool call comes later, and is never run.
    model_server.script([Reply(tool_calls=[("Bash", {"command": "touch ran.txt"})], delay=1.0)])
    line, code, stderr = run_and_close_after_first_line(
        letta, "-p", "touch ran.txt", "--yolo", "--output-format", "stream-json", *MODEL
    )
    assert json.loads(line)["type"] == "init"
    assert (stderr, code) == ("", 141)
    assert not (letta.cwd / "ran.txt").exists()
    model_server.script([Reply(text="fine")])
    proc = letta.run("-p", "again", "--continue", "--yolo", "--output-format", "json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"] == "fine"
    assert not (letta.cwd / "ran.txt").exists()
    # Whatever the stopped turn left waiting was answered without running it.
    tool_results = [m for m in model_server.last_messages() if m.get("role") == "tool"]
    assert all("not run" in str(m.get("content")) for m in tool_results)
