"""The Anthropic Messages adapter against the scripted server."""

from __future__ import annotations

import pytest

from letta_code.service.llm.anthropic_messages import AnthropicMessagesProvider
from letta_code.service.llm.types import (
    ChatMessage,
    Finish,
    LLMError,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from letta_code.testing import ModelServer, Reply
from tests.service.llm.util import BASH, accumulate, args_of, events, request


def _provider(server: ModelServer) -> AnthropicMessagesProvider:
    return AnthropicMessagesProvider(server.anthropic_base_url, "test-key")


def test_streams_text_with_headers_system_and_usage(model_server: ModelServer) -> None:
    model_server.script([Reply(text="Hello from Claude", prompt_tokens=40, completion_tokens=6)])
    out = events(_provider(model_server), request())
    assert "".join(e.text for e in out if isinstance(e, TextDelta)) == "Hello from Claude"
    assert out[-2:] == [Usage(40, 6, 0, 0), Finish("stop")]  # Anthropic always reports the cache
    sent = model_server.last_request()
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == "test-key"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent["max_tokens"] == 8192 and sent["stream"] is True
    assert model_server.last_system_prompt() == "You are terse."
    assert all(m["role"] != "system" for m in sent["messages"])


def test_thinking_and_signature_round_trip(model_server: ModelServer) -> None:
    model_server.script([Reply(text="Paris.", reasoning="The capital of France is Paris."), Reply(text="ok")])
    provider = _provider(model_server)
    first = accumulate(provider, request(thinking_budget=2048))
    assert first.reasoning == "The capital of France is Paris."
    assert first.signature and first.signature.startswith("sig_")
    assert model_server.last_request()["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    history = [
        ChatMessage("user", "capital of France?"),
        first.message(),
        ChatMessage("user", "thanks"),
    ]
    second = accumulate(provider, request(*history, thinking_budget=2048))
    assert second.text == "ok" and not model_server.protocol_errors
    block = model_server.last_messages()[1]["content"][0]
    assert block == {"type": "thinking", "thinking": first.reasoning, "signature": first.signature}


def test_a_tampered_signature_is_rejected(model_server: ModelServer) -> None:
    history = [
        ChatMessage("user", "q"),
        ChatMessage("assistant", "a", reasoning="thought", reasoning_signature="forged"),
        ChatMessage("user", "q2"),
    ]
    with pytest.raises(LLMError, match=r"rejected the request \(400\).*signature"):
        events(_provider(model_server), request(*history))


def test_tool_use_with_input_json_deltas(model_server: ModelServer) -> None:
    model_server.script([Reply(reasoning="need ls", tool_calls=[("Bash", {"command": "ls -la"})])])
    out = events(_provider(model_server), request(tools=[BASH]))
    pieces = [e.arguments for e in out if isinstance(e, ToolCallDelta) and e.arguments]
    assert len(pieces) == 3 and "".join(pieces) == '{"command": "ls -la"}'
    assert any(isinstance(e, ReasoningDelta) and e.signature for e in out)
    assert out[-1] == Finish("tool_calls")
    assert model_server.last_request()["tools"][0] == {
        "name": "Bash",
        "description": "Run a shell command",
        "input_schema": BASH.parameters,
    }


def test_parallel_tool_calls_and_merged_tool_results(model_server: ModelServer) -> None:
    model_server.script(
        [
            Reply(tool_calls=[("Bash", {"command": "ls"}), ("Bash", {"command": "pwd"})]),
            Reply(text="done"),
        ]
    )
    provider = _provider(model_server)
    first = accumulate(provider, request(ChatMessage("user", "go"), tools=[BASH]))
    assert args_of(first) == [("Bash", {"command": "ls"}), ("Bash", {"command": "pwd"})]
    a, b = first.tool_calls
    history = [
        ChatMessage("system", "sys"),
        ChatMessage("user", "go"),
        first.message(),
        ChatMessage("tool", "file.txt", tool_call_id=a.id),
        ChatMessage("tool", "/tmp", tool_call_id=b.id, images=[{"media_type": "image/png", "data": "QQ=="}]),
        ChatMessage("user", "continue"),
    ]
    second = accumulate(provider, request(*history, tools=[BASH], parallel_tool_calls=False))
    assert second.text == "done" and not model_server.protocol_errors
    turns = model_server.last_messages()
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    blocks = turns[2]["content"]
    assert [blk["type"] for blk in blocks] == ["tool_result", "tool_result", "text"]
    assert blocks[0] == {"type": "tool_result", "tool_use_id": a.id, "content": "file.txt"}
    assert blocks[1]["content"][1]["source"]["data"] == "QQ=="
    assert blocks[2]["cache_control"] == {"type": "ephemeral"}
    sent = model_server.last_request()
    assert sent["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    assert sent["system"][0]["cache_control"] == {"type": "ephemeral"}


def test_system_parts_get_cache_breakpoints_and_cached_tokens_are_reported(
    model_server: ModelServer,
) -> None:
    model_server.script(
        [Reply(text="hi", prompt_tokens=500, cached_tokens=400, cache_write_tokens=60, completion_tokens=2)]
    )
    history = [
        ChatMessage("system", "Stable instructions.", cache_breakpoint=True),
        ChatMessage("system", "<memory_blocks>changing</memory_blocks>"),
        ChatMessage("user", "hello"),
    ]
    out = events(_provider(model_server), request(*history, tools=[BASH]))
    # The prompt counts every input token; the cached and written parts come apart.
    assert out[-2] == Usage(500, 2, cached_tokens=400, cache_write_tokens=60)
    sent = model_server.last_request()
    cache = {"type": "ephemeral"}
    assert sent["system"] == [
        {"type": "text", "text": "Stable instructions.", "cache_control": cache},
        {"type": "text", "text": "<memory_blocks>changing</memory_blocks>", "cache_control": cache},
    ]
    assert sent["messages"][-1]["content"][-1]["cache_control"] == cache
    assert "cache_control" not in sent["tools"][0]
    assert not model_server.protocol_errors


def test_prompt_caching_off_sends_no_breakpoints() -> None:
    provider = AnthropicMessagesProvider("http://x", "k", prompt_caching=False)
    history = [
        ChatMessage("system", "Stable.", cache_breakpoint=True),
        ChatMessage("system", "Memory."),
        ChatMessage("user", "hello"),
    ]
    body = provider.build_body(request(*history))
    assert body["system"] == [{"type": "text", "text": "Stable."}, {"type": "text", "text": "Memory."}]
    assert "cache_control" not in body["messages"][-1]["content"][-1]


def test_tool_call_without_arguments_gets_empty_object() -> None:
    provider = AnthropicMessagesProvider("http://x", "k")
    history = [
        ChatMessage("user", "x"),
        ChatMessage("assistant", "", tool_calls=[ToolCall("t", "Bash", "")]),
    ]
    body = provider.build_body(request(*history, ChatMessage("tool", "", tool_call_id="t")))
    assert body["messages"][1]["content"] == [{"type": "tool_use", "id": "t", "name": "Bash", "input": {}}]
    assert body["messages"][2]["content"][0]["tool_use_id"] == "t"
    assert provider.messages_url == "http://x/v1/messages"
    assert AnthropicMessagesProvider("http://x/v1").messages_url == "http://x/v1/messages"


def test_overloaded_then_success_and_error_event_mid_stream(model_server: ModelServer) -> None:
    model_server.script([Reply(status=529), Reply(text="fine")])
    assert accumulate(_provider(model_server), request()).text == "fine"
    assert len(model_server.model_requests) == 2
    model_server.script([Reply(text="a b c d e f g h", stream_error="Overloaded")])
    with pytest.raises(LLMError, match="Overloaded"):
        events(_provider(model_server), request())
