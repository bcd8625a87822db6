"""`letta -p` when the model's window is smaller than we thought, and when the server reports no usage."""

from __future__ import annotations

import json

from letta_code.cli.notices import compaction_note, format_tokens, is_overflow_compaction
from letta_code.schemas.chunks import CompactionEventData
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1"]
LLAMA_OVERFLOW = {"error": {"message": "Requested tokens (2939) exceed context window of 2048"}}


def test_an_overflow_is_compacted_retried_and_said_on_stderr(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="a1")])
    assert letta.run("-p", "one", *MODEL).returncode == 0
    model_server.script([Reply(status=400, error_body=LLAMA_OVERFLOW), Reply(text="SUMMARY"), Reply(text="a2")])
    proc = letta.run("-p", "two", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "a2"
    assert proc.stderr.strip().splitlines() == [
        "letta: the conversation did not fit the model's context window (2,048 tokens): compacted it (3 -> 2 messages) "
        "and retried"
    ]
    # The next run starts from the learned window: no refused request first.
    model_server.script([Reply(text="a3")])
    before = len(model_server.model_requests)
    assert letta.run("-p", "three", *MODEL).stdout.strip() == "a3"
    assert len(model_server.model_requests) == before + 1


def test_json_usage_is_estimated_when_the_server_reports_none(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="quiet server", prompt_tokens=0, completion_tokens=0)])
    proc = letta.run("-p", "hi", *MODEL, "--output-format", "json")
    usage = json.loads(proc.stdout)["usage"]
    assert usage["estimated"] is True and usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0


def test_json_usage_of_a_turn_that_reached_no_model_is_null_not_zero(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(status=404, error_body={"error": {"message": "no such model"}})])
    proc = letta.run("-p", "hi", *MODEL, "--output-format", "json")
    result = json.loads(proc.stdout)
    assert result["is_error"] is True and result["usage"]["prompt_tokens"] is None


def test_notices() -> None:
    data: CompactionEventData = {
        "trigger": "post_step_context_check",
        "context_window": 8192,
        "messages_count_before": 9,
        "messages_count_after": 3,
    }
    assert compaction_note(data) == (
        "compacted the conversation (9 -> 3 messages) to stay within the model's context window (8,192 tokens)"
    )
    assert not is_overflow_compaction({"message_type": "event_message", "event_type": "compaction", "event_data": data})
    overflow: CompactionEventData = {**data, "trigger": "context_window_exceeded"}
    assert is_overflow_compaction({"message_type": "event_message", "event_type": "compaction", "event_data": overflow})
    assert [format_tokens(n) for n in (950, 3100, 2048, 1_200_000)] == ["950", "3.1k", "2k", "1.2M"]
