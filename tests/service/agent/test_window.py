"""Requests that fit the model's window: overflow recovery, learned windows, clipping, small windows,
and estimated usage — the real step loop against the scripted model server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from letta_code.harness.executor import client_tool_schema
from letta_code.schemas.chunks import ClientToolSchema
from letta_code.service.agent.compaction import SUMMARY_PROMPT
from letta_code.service.agent.small_window import compact_tools, first_sentence
from letta_code.service.agent.window import as_overflow, clip_history, too_long
from letta_code.service.llm.types import ChatMessage, ContextWindowExceededError, LLMError
from letta_code.service.service import AgentService
from letta_code.testing import ModelServer, RecordedRequest, Reply, text_of
from letta_code.tools.registry import ALL_TOOL_NAMES, select_tools
from tests.conftest import plain_chunks

LLAMA_OVERFLOW = {"error": {"message": "Requested tokens (2939) exceed context window of 2048"}}


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTA_LLM_RETRY_BASE_DELAY", "0.001")


def is_summary_request(req: RecordedRequest) -> bool:
    return SUMMARY_PROMPT[:60] in text_of(req["messages"][0]["content"])


def make_service(tmp_path: Path, server: ModelServer, window: int) -> tuple[AgentService, str]:
    service = AgentService(tmp_path / "letta.db", server.env())
    human = service.agents.create_block("human", "The user is Ada.")
    agent = service.create_agent(name="a", model="openai/gpt-4.1", block_ids=[human.id], context_window=window)
    return service, agent.id


def say(
    service: AgentService, agent_id: str, text: str, tools: Sequence[ClientToolSchema] = ()
) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        run = service.start_run(
            agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": text}], client_tools=tools
        )
        return await plain_chunks(service.follow_run(run.id))

    return asyncio.run(go())


def of_type(chunks: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [c for c in chunks if c.get("message_type") == kind]


def chat_requests(server: ModelServer) -> list[RecordedRequest]:
    return [r for r in server.model_requests if not is_summary_request(r)]


def test_an_overflow_inside_a_200_stream_compacts_learns_the_window_and_retries(
    tmp_path: Path, model_server: ModelServer
) -> None:
    service, agent_id = make_service(tmp_path, model_server, window=128_000)
    model_server.script([Reply(text="a1"), Reply(text="a2")])
    say(service, agent_id, "one")
    say(service, agent_id, "two")

    model_server.script(
        [Reply(stream_error=LLAMA_OVERFLOW["error"]["message"]), Reply(text="SUMMARY of one and two"), Reply(text="a3")]
    )
    chunks = say(service, agent_id, "three")

    assert of_type(chunks, "stop_reason")[0]["stop_reason"] == "end_turn"
    assert of_type(chunks, "assistant_message")[0]["content"] == "a3"
    events = of_type(chunks, "event_message")
    assert [e["event_data"]["trigger"] for e in events] == ["context_window_exceeded"]
    assert events[0]["event_data"]["context_window"] == 2048
    # The server named its window: the agent keeps it for later runs.
    assert service.agents.get_agent(agent_id).context_window == 2048
    # The user message was stored once, and the retried request carries the summary.
    users = [m for m in service.context_messages(service.conversations.default_for(agent_id).id) if m.role == "user"]
    assert [text_of(m.content) for m in users] == ["three"]
    assert "SUMMARY of one and two" in json.dumps(model_server.last_request()["messages"])
    assert len(model_server.model_requests) == 5  # 2 turns, the refused request, the summary, the retry


def test_a_conversation_that_still_does_not_fit_names_the_window_and_stays_usable(
    tmp_path: Path, model_server: ModelServer
) -> None:
    service, agent_id = make_service(tmp_path, model_server, window=128_000)
    model_server.script([Reply(text="a1")])
    say(service, agent_id, "one")
    refusal = Reply(status=400, error_body=LLAMA_OVERFLOW)
    model_server.script([refusal, Reply(text="SUMMARY"), refusal])
    chunks = say(service, agent_id, "two")

    assert of_type(chunks, "stop_reason")[0]["stop_reason"] == "llm_api_error"
    error = of_type(chunks, "error_message")[0]["message"]
    assert "context window (2048 tokens)" in error and "--context-window" in error
    # The next turn works without a manual /compact.
    model_server.script([Reply(text="fine now")])
    chunks = say(service, agent_id, "three")
    assert of_type(chunks, "assistant_message")[0]["content"] == "fine now"


def test_usage_the_server_does_not_report_is_estimated_never_zero(tmp_path: Path, model_server: ModelServer) -> None:
    service, agent_id = make_service(tmp_path, model_server, window=128_000)
    model_server.script([Reply(text="hello there", prompt_tokens=0, completion_tokens=0)])
    usage = of_type(say(service, agent_id, "hi"), "usage_statistics")[0]
    assert usage["estimated"] is True
    assert usage["prompt_tokens"] > 100 and usage["completion_tokens"] > 0
    model_server.script([Reply(text="reported", prompt_tokens=1234, completion_tokens=5)])
    usage = of_type(say(service, agent_id, "again"), "usage_statistics")[0]
    assert "estimated" not in usage and usage["prompt_tokens"] == 1234


def test_a_small_window_gets_a_compact_prompt_with_every_tool(tmp_path: Path, model_server: ModelServer) -> None:
    tools = [client_tool_schema(t) for t in select_tools(list(ALL_TOOL_NAMES))]
    sizes = {}
    for window in (2048, 128_000):
        service, agent_id = make_service(tmp_path / str(window), model_server, window=window)
        model_server.script([Reply(text="ok")])
        say(service, agent_id, "hi", tools)
        sent = model_server.last_request()
        assert {t["function"]["name"] for t in sent["tools"]} >= set(ALL_TOOL_NAMES)
        sizes[window] = len(json.dumps(sent["messages"])) + len(json.dumps(sent["tools"]))
    # characters / 4: well under 2,048 tokens with every tool, where the full prompt is far over.
    assert sizes[2048] / 4 < 1400 < sizes[128_000] / 4


def test_oversized_history_is_clipped_in_the_request_not_in_the_store(
    tmp_path: Path, model_server: ModelServer
) -> None:
    service, agent_id = make_service(tmp_path, model_server, window=4096)
    huge = "start " + "x" * 40_000 + " end"
    model_server.script([Reply(text="ok")])  # one message: nothing to summarize, so it is clipped
    chunks = say(service, agent_id, huge)
    assert of_type(chunks, "assistant_message")[-1]["content"] == "ok"
    sent = chat_requests(model_server)[-1]["messages"]
    user = next(m for m in sent if m["role"] == "user" and "start" in text_of(m["content"]))
    text = text_of(user["content"])
    assert "characters cut here to fit" in text and text.startswith("start") and text.endswith("end")
    assert len(text) < 16_000
    stored = [m for m in service.context_messages(service.conversations.default_for(agent_id).id) if m.role == "user"]
    assert text_of(stored[0].content) == huge


def test_as_overflow_reads_every_form() -> None:
    named = as_overflow(LLMError("Requested tokens (2939) exceed context window of 2048"), 10, 128_000)
    assert isinstance(named, ContextWindowExceededError) and named.window == 2048
    early = LLMError("the model server at http://x/v1 ended the stream early (no finish_reason)")
    assert as_overflow(early, 1900, 2048) is not None
    assert as_overflow(early, 100, 2048) is None  # far from the window: a broken stream, not an overflow
    assert as_overflow(LLMError("the model server failed (500): kaput"), 5000, 2048) is None
    message = str(too_long("llamacpp/smol", 2048, "x"))
    assert "2048 tokens" in message and '"llamacpp/smol": {"contextWindow": N}' in message


def test_clip_history_keeps_small_messages_and_both_ends() -> None:
    msgs = [ChatMessage("user", "short"), ChatMessage("tool", "A" * 10_000 + "Z", tool_call_id="c")]
    out = clip_history(msgs, budget_tokens=500, tokens_per_char=0.25)
    assert out[0].content == "short" and out[1].content.startswith("AAAA") and out[1].content.endswith("Z")
    assert len(out[1].content) < 2_500
    assert clip_history(msgs, budget_tokens=10_000, tokens_per_char=0.25) == msgs


def test_compact_tools_keep_names_and_required_parameters() -> None:
    full = [t.schema() for t in select_tools(["Grep"])]
    from letta_code.service.llm.types import ToolSpec

    spec = ToolSpec(full[0]["name"], full[0]["description"], full[0]["parameters"])
    tiny = compact_tools([spec], 2048)[0]
    assert tiny.name == "Grep" and tiny.parameters["required"] == ["pattern"]
    assert list(tiny.parameters["properties"]) == ["pattern"] and len(tiny.description) <= 60
    small = compact_tools([spec], 8192)[0]
    assert "output_mode" in small.parameters["properties"]
    assert "description" not in small.parameters["properties"]["pattern"]
    assert first_sentence("Run a command. Then more.", 100) == "Run a command."
