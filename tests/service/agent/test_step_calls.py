"""A step's tool calls: unique ids, the stored form, and the one builder of approval requests."""

from __future__ import annotations

from letta_code.schemas.messages import ToolCall
from letta_code.service.agent.step_calls import StepCall, approval_requests, pending_request, step_calls, stored_calls
from letta_code.service.llm.base import PartialCall

BASH = StepCall("call_a", "Bash", '{"command": "ls"}', client=True)
MEMORY = StepCall("call_m", "memory_insert", '{"label": "human", "new_str": "x"}', client=False)
READ = StepCall("call_b", "Read", '{"path": "x"}', client=True)


def test_parallel_client_calls_get_one_request_each_naming_its_call_alone() -> None:
    requests = approval_requests("message-1", "step-1", [BASH, MEMORY, READ])
    bash = ToolCall(name="Bash", arguments='{"command": "ls"}', tool_call_id="call_a")
    read = ToolCall(name="Read", arguments='{"path": "x"}', tool_call_id="call_b")
    assert [r.tool_call for r in requests] == [bash, read]  # each names its own call, the server call has none
    assert [r.tool_calls for r in requests] == [[bash], [read]]  # never the list again: see approval_requests
    assert {(r.id, r.step_id) for r in requests} == {("message-1", "step-1")}
    assert len({r.otid for r in requests}) == 2 and all(r.otid for r in requests)
    wire = requests[1].to_wire()
    assert wire["message_type"] == "approval_request_message" and wire["tool_call"]["tool_call_id"] == "call_b"


def test_requests_already_sent_are_not_built_again() -> None:
    [request] = approval_requests("message-1", "step-1", [BASH, READ], already_sent={"call_a"})
    assert request.tool_call.tool_call_id == "call_b"
    assert [c.tool_call_id for c in request.tool_calls or []] == ["call_b"]


def test_the_pending_approval_as_one_message_lists_every_waiting_call() -> None:
    request = pending_request("message-1", [BASH, MEMORY, READ])
    assert request is not None and request.id == "message-1" and request.tool_call.tool_call_id == "call_a"
    assert [c.tool_call_id for c in request.tool_calls or []] == ["call_a", "call_b"]
    assert pending_request("message-1", [MEMORY]) is None


def test_a_step_with_only_server_calls_asks_for_no_approval() -> None:
    assert approval_requests("message-1", "step-1", [MEMORY]) == []


def test_streamed_calls_get_unique_ids_and_know_which_are_client_tools() -> None:
    streamed = [PartialCall("dup", "Bash", ""), PartialCall("dup", "memory_insert", "{}"), PartialCall("", "Read", "")]
    calls = step_calls(streamed, {"Bash", "Read"})
    assert calls[0] == StepCall("dup", "Bash", "{}", client=True)
    assert calls[1].id not in ("dup", "") and calls[1].client is False
    assert calls[2].id not in ("dup", "", calls[1].id) and calls[2].client is True
    assert len({c.id for c in calls}) == 3


def test_the_stored_form_round_trips() -> None:
    stored = [c.to_stored() for c in (BASH, MEMORY)]
    assert stored[0] == {"id": "call_a", "name": "Bash", "arguments": '{"command": "ls"}', "client": True}
    assert stored_calls(stored) == [BASH, MEMORY] and stored_calls(None) == []
    assert stored_calls([{"id": "c", "name": "n", "arguments": "{}"}]) == [StepCall("c", "n", "{}", client=False)]
