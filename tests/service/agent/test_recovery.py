"""The resume plan: what a run's stored messages and stored chunks say to resend, replay and do next.

`plan_resume` only reads; these tests give it messages and chunks as a crashed run
leaves them (the end-to-end crashes are in `tests/service/test_recovery.py`).
"""

from __future__ import annotations

from typing import Any, cast

from letta_code.schemas.chunks import StreamChunk
from letta_code.schemas.messages import AssistantMessage, ToolCallMessage, ToolReturnMessage
from letta_code.service.agent.recovery import (
    AwaitApproval,
    ContinueSteps,
    EndTurn,
    ReplayCall,
    SentStep,
    SentText,
    plan_resume,
    unsent_chunks,
)
from letta_code.service.agent.step_calls import StepCall
from letta_code.service.store.models import Message


def message(role: str, id: str, *, text: str = "", calls: list[StepCall] | None = None, **extra: Any) -> Message:
    return Message(
        id=id,
        agent_id="agent-1",
        conversation_id="conv-1",
        role=role,
        content=[{"type": "text", "text": text}] if text else [],
        tool_calls=[c.to_stored() for c in calls or []],
        run_id="run-1",
        **extra,
    )


def streamed(chunks: list[dict[str, Any]]) -> list[StreamChunk]:
    """Chunks as a run stored them, given with only the keys the plan reads."""
    return cast("list[StreamChunk]", chunks)


USER = message("user", "m-user", text="go")
BASH = StepCall("call_bash", "Bash", '{"command": "ls"}', client=True)
READ = StepCall("call_read", "Read", '{"path": "x"}', client=True)
MEMORY = StepCall("call_mem", "memory_insert", '{"label": "human", "new_str": "x"}', client=False)
SEARCH = StepCall("call_search", "conversation_search", '{"query": "x"}', client=False)


def test_an_approval_request_that_went_out_is_not_sent_again() -> None:
    step = message("assistant", "m-1", calls=[BASH, READ], step_id="step-1", otid="o-1")
    sent = [{"message_type": "approval_request_message", "id": "m-1", "tool_call": {"tool_call_id": "call_bash"}}]
    plan = plan_resume([USER, step], streamed(sent), stream_tokens=False)
    assert plan.resend == [] and plan.steps_done == 1
    assert isinstance(plan.then, AwaitApproval)
    [request] = plan.then.requests
    assert (request.id, request.step_id, request.tool_call) == ("m-1", "step-1", READ.wire())
    assert request.tool_calls == [READ.wire()]


def test_a_finished_step_is_resent_and_its_server_tools_without_a_result_are_replayed() -> None:
    step = message("assistant", "m-1", text="On it.", calls=[MEMORY, SEARCH], step_id="step-1", otid="o-1")
    result = message("tool", "m-result", text="Done.", tool_call_id="call_mem", tool_status="success", step_id="step-1")
    # Only the search's tool_call_message went out before the crash.
    chunks = [{"message_type": "tool_call_message", "id": "m-1", "tool_call": {"tool_call_id": "call_search"}}]
    plan = plan_resume([USER, step, result], streamed(chunks), stream_tokens=False)
    text, call, returned, replay = plan.resend
    assert isinstance(text, AssistantMessage) and (text.id, text.otid, text.content) == ("m-1", "o-1", "On it.")
    assert isinstance(call, ToolCallMessage) and call.tool_call == MEMORY.wire()
    assert isinstance(returned, ToolReturnMessage) and (returned.id, returned.tool_return) == ("m-result", "Done.")
    assert replay == ReplayCall(SEARCH, "m-1", "step-1", announce=False)
    assert plan.then == ContinueSteps(None) and plan.steps_done == 1


def test_a_finished_step_without_tool_calls_had_ended_the_turn() -> None:
    step = message("assistant", "m-1", text="Hi.", step_id="step-1", otid="o-1")
    chunks = [{"message_type": "assistant_message", "id": "m-1", "otid": "o-1", "step_id": "step-1", "content": "Hi."}]
    plan = plan_resume([USER, step], streamed(chunks), stream_tokens=True)
    assert plan.resend == [] and plan.then == EndTurn()


def test_a_step_whose_message_was_never_stored_is_redone_from_what_it_streamed() -> None:
    chunks = [
        {"message_type": "reasoning_message", "id": "m-2", "otid": "o-r", "step_id": "step-2", "reasoning": "hm"},
        {"message_type": "assistant_message", "id": "m-2", "otid": "o-t", "step_id": "step-2", "content": "Hel"},
        {"message_type": "assistant_message", "id": "m-2", "otid": "o-t", "step_id": "step-2", "content": "lo"},
    ]
    plan = plan_resume([USER], streamed(chunks), stream_tokens=True)
    assert isinstance(plan.then, ContinueSteps) and plan.then.partial is not None
    partial = plan.then.partial
    assert (partial.message_id, partial.step_id) == ("m-2", "step-2")
    assert (partial.text.sent, partial.text.otid, partial.reasoning.sent) == ("Hello", "o-t", "hm")
    assert plan.steps_done == 0


def test_a_redo_that_repeats_what_was_sent_streams_only_the_rest() -> None:
    sent = SentStep("m-2", SentText("Hello", "o-t"), SentText("", "o-r"))
    assert unsent_chunks(sent, "Hel", "", "step-2") == []
    [rest] = unsent_chunks(sent, "Hello world", "", "step-2", final=True)
    assert isinstance(rest, AssistantMessage) and (rest.id, rest.otid, rest.content) == ("m-2", "o-t", " world")


def test_a_redo_that_answers_differently_supersedes_the_partial_message() -> None:
    sent = SentStep("m-2", SentText("Hello", "o-t"))
    event, whole = unsent_chunks(sent, "Goodbye", "", "step-2")
    assert event.to_wire()["event_data"]["message_id"] == "m-2"
    assert event.to_wire()["event_data"]["replaced_by"] == sent.message_id != "m-2"
    assert isinstance(whole, AssistantMessage) and (whole.id, whole.content) == (sent.message_id, "Goodbye")
    assert whole.otid != "o-t"
