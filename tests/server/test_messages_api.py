"""Sending messages through the SDK: replies, token streaming, client tools, the 409/400 rules."""

from __future__ import annotations

import json
from typing import Any

import letta_client
import pytest
from letta_client import Letta
from letta_client.types.agents import (
    ApprovalCreateParam,
    ApprovalRequestMessage,
    AssistantMessage,
    ToolReturnParam,
    UserMessage,
)
from letta_client.types.agents.message_create_params import ClientSkill

from letta_code.testing import Reply
from tests.server.conftest import SDK_BASH_TOOL, LiveServer, as_a, user

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")


def make_agent(client: Letta) -> Any:
    return client.agents.create(
        name="coder", model="openai/gpt-4.1", memory_blocks=[{"label": "human", "value": "The user likes tea."}]
    )


def approval_of(result: ToolReturnParam) -> ApprovalCreateParam:
    return {"type": "approval", "approvals": [result]}


def no_pings(stream: Any) -> list[Any]:
    return [chunk for chunk in stream if chunk.message_type != "ping"]


def test_send_message_and_get_reply(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(text="Hello there!", reasoning="The user greets me.")])
    response = client.agents.messages.create(agent.id, messages=user("hi"))
    assert [m.message_type for m in response.messages] == ["reasoning_message", "assistant_message"]
    assert as_a(AssistantMessage, response.messages[1]).content == "Hello there!"
    assert response.stop_reason.stop_reason == "end_turn"
    assert response.usage.step_count == 1 and response.usage.total_tokens
    assert "The user likes tea." in live_server.model.last_system_prompt()
    history = client.agents.messages.list(agent.id, order="asc").items
    assert [m.message_type for m in history] == ["user_message", "reasoning_message", "assistant_message"]
    asked = as_a(UserMessage, history[0])
    assert asked.content == "hi" and asked.date.tzinfo is not None
    assert as_a(UserMessage, client.messages.retrieve(asked.id)[0]).content == "hi"
    live_server.model.script([Reply(text="Only this.", reasoning="not shown")])
    filtered = client.agents.messages.create(
        agent.id, messages=user("again"), include_return_message_types=["assistant_message"]
    )
    assert [m.message_type for m in filtered.messages] == ["assistant_message"]


def test_stream_tokens(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    text = "one two three four five six seven"
    live_server.model.script([Reply(text=text)])
    chunks = no_pings(
        client.agents.messages.stream(agent.id, messages=user("count"), stream_tokens=True, include_pings=False)
    )
    deltas = [c for c in chunks if c.message_type == "assistant_message"]
    assert len(deltas) > 1 and "".join(d.content for d in deltas) == text
    assert len({d.otid for d in deltas}) == 1
    assert [c.message_type for c in chunks[-2:]] == ["stop_reason", "usage_statistics"]
    assert [c.seq_id for c in chunks] == list(range(1, len(chunks) + 1))
    # Without stream_tokens the same text comes as one message.
    live_server.model.script([Reply(text=text)])
    whole = no_pings(client.agents.messages.stream(agent.id, messages=user("again")))
    assert [c.content for c in whole if c.message_type == "assistant_message"] == [text]


def test_pings_while_the_model_is_slow(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(text="finally", delay=0.5)])
    chunks = list(client.agents.messages.stream(agent.id, messages=user("slow")))
    kinds = [c.message_type for c in chunks]
    assert kinds[0] == "ping" and kinds[-3:] == ["assistant_message", "stop_reason", "usage_statistics"]
    live_server.model.script([Reply(text="again", delay=0.3)])
    quiet = list(client.agents.messages.stream(agent.id, messages=user("slow"), include_pings=False))
    assert "ping" not in [c.message_type for c in quiet]


def test_client_tool_round_trip_with_approval_rules(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    conv = client.conversations.create(agent_id=agent.id)
    assert conv.id.startswith("conv-") and conv.agent_id == agent.id
    live_server.model.script(
        [Reply(tool_calls=[("Bash", {"command": "ls"}, "call_ls")]), Reply(text="There are two files.")]
    )
    first = no_pings(
        client.conversations.messages.create(conv.id, messages=user("list files"), client_tools=[SDK_BASH_TOOL])
    )
    approval = next(c for c in first if c.message_type == "approval_request_message")
    assert approval.tool_call.name == "Bash" and approval.tool_call.tool_call_id == "call_ls"
    assert json.loads(approval.tool_call.arguments) == {"command": "ls"}
    assert first[-2].stop_reason == "requires_approval"
    assert "Bash" in live_server.model.last_tools()

    # A normal message while the approval is pending: 409.
    with pytest.raises(letta_client.ConflictError, match="waiting for approval"):
        client.conversations.messages.create(conv.id, messages=user("hello?"))
    # An approval for a call that is not pending: 400.
    bogus: ToolReturnParam = {"type": "tool", "tool_call_id": "call_nope", "tool_return": "x", "status": "success"}
    with pytest.raises(letta_client.BadRequestError, match="unknown tool_call_id"):
        client.conversations.messages.create(conv.id, messages=[approval_of(bogus)])

    result: ToolReturnParam = {
        "type": "tool",
        "tool_call_id": "call_ls",
        "tool_return": "a.py\nb.py\n",
        "status": "success",
    }
    second = no_pings(
        client.conversations.messages.create(conv.id, messages=[approval_of(result)], client_tools=[SDK_BASH_TOOL])
    )
    assert [c.content for c in second if c.message_type == "assistant_message"] == ["There are two files."]
    assert second[-2].stop_reason == "end_turn"
    tool_msgs = [m for m in live_server.model.last_messages() if m.get("role") == "tool"]
    assert tool_msgs[0]["content"] == "a.py\nb.py\n" and tool_msgs[0]["tool_call_id"] == "call_ls"
    listed = client.conversations.messages.list(conv.id, order="asc").items
    assert [m.message_type for m in listed] == [
        "user_message",
        "approval_request_message",
        "tool_return_message",
        "assistant_message",
    ]


def test_non_streaming_client_tool_round_trip_on_the_default_conversation(
    live_server: LiveServer, client: Letta
) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(tool_calls=[("Bash", {"command": "pwd"}, "call_pwd")]), Reply(text="In /tmp.")])
    response = client.agents.messages.create(agent.id, messages=user("where?"), client_tools=[SDK_BASH_TOOL])
    assert response.stop_reason.stop_reason == "requires_approval"
    call = as_a(ApprovalRequestMessage, response.messages[-1]).tool_call
    assert call.tool_call_id is not None
    pending = client.agents.retrieve(agent.id, include=["agent.pending_approval"]).pending_approval
    assert pending is not None and pending.tool_call.tool_call_id == "call_pwd"
    done = client.agents.messages.create(
        agent.id,
        messages=[
            approval_of({"type": "tool", "tool_call_id": call.tool_call_id, "tool_return": "/tmp", "status": "success"})
        ],
        client_tools=[SDK_BASH_TOOL],
    )
    assert (
        done.stop_reason.stop_reason == "end_turn" and as_a(AssistantMessage, done.messages[-1]).content == "In /tmp."
    )
    # The same history through the "default" conversation id.
    listed = client.conversations.messages.list("default", agent_id=agent.id, order="asc").items
    assert [m.message_type for m in listed][-1] == "assistant_message"


def test_busy_conversation_is_409_with_the_running_run(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(text="slow answer", delay=2.0)])  # long enough for a loaded machine
    stream = client.conversations.messages.create("default", agent_id=agent.id, messages=user("first"), background=True)
    running = client.runs.list(agent_id=agent.id, active=True).items
    assert len(running) == 1 and running[0].status == "running"
    with pytest.raises(letta_client.ConflictError) as caught:
        client.conversations.messages.create("default", agent_id=agent.id, messages=user("second"))
    assert running[0].id in str(caught.value)
    chunks = no_pings(stream)
    assert chunks[-2].stop_reason == "end_turn"
    # Another conversation of the same agent is free meanwhile (tested in test_runs_api).


def test_llm_failure_is_an_error_response(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(status=401)])
    with pytest.raises(letta_client.APIStatusError) as caught:
        client.agents.messages.create(agent.id, messages=user("hi"))
    assert caught.value.status_code == 502 and "OPENAI_API_KEY" in str(caught.value)
    live_server.model.script([Reply(status=401)])
    chunks = no_pings(client.agents.messages.stream(agent.id, messages=user("hi")))
    assert [c.message_type for c in chunks] == ["error_message", "stop_reason", "usage_statistics"]
    assert chunks[1].stop_reason == "llm_api_error"


def test_reset_messages_clears_the_context(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    live_server.model.script([Reply(text="first answer"), Reply(text="second answer")])
    client.agents.messages.create(agent.id, messages=user("remember banana"))
    client.agents.messages.reset(agent.id)
    client.agents.messages.create(agent.id, messages=user("what did I say?"))
    sent = json.dumps(live_server.model.last_messages())
    assert "banana" not in sent
    # History is kept; only the context window moved, and the agent's message_ids with it.
    listed = client.agents.messages.list(agent.id, order="asc").items
    assert len(listed) == 4
    assert client.agents.retrieve(agent.id).message_ids == [m.id for m in listed[2:]]


def test_client_skills_are_listed_in_the_prompt_of_that_run(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    skill: ClientSkill = {
        "name": "pdf-tools",
        "description": "Read and fill PDF forms",
        "location": "/skills/pdf-tools/SKILL.md",
    }
    live_server.model.script([Reply(text="ok"), Reply(text="ok again")])
    no_pings(
        client.conversations.messages.create("default", agent_id=agent.id, messages=user("hi"), client_skills=[skill])
    )
    prompt = live_server.model.last_system_prompt()
    assert "<available_skills>" in prompt
    assert "- pdf-tools: Read and fill PDF forms (/skills/pdf-tools/SKILL.md)" in prompt
    no_pings(client.conversations.messages.create("default", agent_id=agent.id, messages=user("and now?")))
    assert "pdf-tools" not in live_server.model.last_system_prompt()  # skills belong to the request


def test_a_conversation_can_run_on_its_own_model(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)  # openai/gpt-4.1
    conv = client.conversations.create(agent_id=agent.id, model="anthropic/claude-sonnet-4-5")
    assert conv.model == "anthropic/claude-sonnet-4-5"
    live_server.model.script([Reply(text="from claude"), Reply(text="from gpt")])
    no_pings(client.conversations.messages.create(conv.id, messages=user("hi")))
    assert live_server.model.last_request().protocol == "anthropic"
    updated = client.conversations.update(conv.id, model="openai/gpt-4.1", context_window_limit=64000)
    assert (updated.model, updated.context_window_limit) == ("openai/gpt-4.1", 64000)
    no_pings(client.conversations.messages.create(conv.id, messages=user("and you?")))
    assert live_server.model.last_request().protocol == "openai"
    assert client.agents.retrieve(agent.id).model == "openai/gpt-4.1"  # the agent is unchanged
    with pytest.raises(letta_client.BadRequestError):
        client.conversations.create(agent_id=agent.id, model="nosuch/model-x")


def test_parallel_calls_and_a_stale_approval_as_the_official_cli_meets_them(
    live_server: LiveServer, client: Letta
) -> None:
    """Three parallel client calls on a non-default conversation; the client then loses track of
    them and finds them again as the official CLI does (the last of the conversation's
    `in_context_message_ids`, then that message's approval requests), and recovers by denying
    them and sending its new message in one request."""
    agent = make_agent(client)
    conv = client.conversations.create(agent_id=agent.id)
    calls = [("Bash", {"command": f"echo {n}"}, f"call_{n}") for n in ("one", "two", "three")]
    live_server.model.script([Reply(tool_calls=calls), Reply(text="Not running them; on to the new task.")])
    first = no_pings(
        client.conversations.messages.create(conv.id, messages=user("run three"), client_tools=[SDK_BASH_TOOL])
    )
    requests = [as_a(ApprovalRequestMessage, c) for c in first if c.message_type == "approval_request_message"]
    # One request per call, each naming only its own call: gathered by tool_call_id across the
    # requests, every call's arguments arrive exactly once.
    gathered: dict[str, str] = {}
    for request in requests:
        for call in request.tool_calls if isinstance(request.tool_calls, list) else [request.tool_call]:
            call_id, arguments = str(call.tool_call_id), str(call.arguments)
            gathered[call_id] = gathered.get(call_id, "") + arguments
    assert {k: json.loads(v) for k, v in gathered.items()} == {call_id: args for _, args, call_id in calls}

    found = client.conversations.retrieve(conv.id)
    assert found.in_context_message_ids is not None and found.in_context_message_ids[-1] == requests[0].id
    listed = client.conversations.messages.list(conv.id, order="desc", limit=50).items
    stale = [
        m for m in listed if m.id == found.in_context_message_ids[-1] and m.message_type == "approval_request_message"
    ]
    assert sorted(str(as_a(ApprovalRequestMessage, m).tool_call.tool_call_id) for m in stale) == sorted(
        c[2] for c in calls
    )

    denial: ApprovalCreateParam = {
        "type": "approval",
        "approvals": [{"type": "approval", "tool_call_id": c[2], "approve": False, "reason": "stale"} for c in calls],
    }
    second = no_pings(client.conversations.messages.create(conv.id, messages=[denial, *user("new task")]))
    assert second[-2].stop_reason == "end_turn"
    assert [c.content for c in second if c.message_type == "assistant_message"] == [
        "Not running them; on to the new task."
    ]
    assert (client.conversations.retrieve(conv.id).in_context_message_ids or [""])[-1] != requests[0].id


def test_the_default_history_is_not_listed_as_a_conversation(client: Letta) -> None:
    agent = make_agent(client)
    conv = client.conversations.create(agent_id=agent.id)
    no_pings(client.conversations.messages.create("default", agent_id=agent.id, messages=user("hi")))
    assert [c.id for c in client.conversations.list(agent_id=agent.id)] == [conv.id]
    everything = client.get(
        "/v1/conversations", cast_to=object, options={"params": {"agent_id": agent.id, "include_default": True}}
    )
    assert isinstance(everything, list) and len(everything) == 2
    retrieved = client.agents.retrieve(agent.id)
    default_history = client.conversations.messages.list("default", agent_id=agent.id, order="asc").items
    assert retrieved.message_ids is not None and retrieved.message_ids[-1] == default_history[-1].id
