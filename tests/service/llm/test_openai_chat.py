"""The OpenAI Chat Completions adapter against the scripted server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from letta_code.service.llm.openai_chat import OpenAIChatProvider
from letta_code.service.llm.quirks import forget_learned_quirks
from letta_code.service.llm.types import (
    ChatMessage,
    ContextWindowExceededError,
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


def _provider(server: ModelServer) -> OpenAIChatProvider:
    return OpenAIChatProvider(server.base_url, "test-key")


def test_streams_text_in_pieces_with_usage_and_finish_last(model_server: ModelServer) -> None:
    model_server.script([Reply(text="Hello there, world", prompt_tokens=11, completion_tokens=5)])
    out = events(_provider(model_server), request())
    texts = [e.text for e in out if isinstance(e, TextDelta)]
    assert len(texts) > 1 and "".join(texts) == "Hello there, world"
    assert out[-2:] == [Usage(11, 5), Finish("stop")]
    sent = model_server.last_request()
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent.headers["authorization"] == "Bearer test-key"
    assert model_server.last_system_prompt() == "You are terse."


def test_system_parts_go_out_as_one_message_and_cached_tokens_are_reported(
    model_server: ModelServer,
) -> None:
    model_server.script([Reply(text="ok", prompt_tokens=900, cached_tokens=768, completion_tokens=1)])
    history = [
        ChatMessage("system", "Stable instructions.", cache_breakpoint=True),
        ChatMessage("system", "<memory_blocks>changing</memory_blocks>"),
        ChatMessage("user", "hello"),
    ]
    out = events(_provider(model_server), request(*history))
    assert out[-2] == Usage(900, 1, cached_tokens=768)
    assert model_server.last_messages()[0] == {
        "role": "system",
        "content": "Stable instructions.\n\n<memory_blocks>changing</memory_blocks>",
    }
    assert [m["role"] for m in model_server.last_messages()] == ["system", "user"]


def test_reasoning_content_arrives_before_text(model_server: ModelServer) -> None:
    model_server.script([Reply(text="42", reasoning="Let me think about it")])
    out = events(_provider(model_server), request())
    kinds = [type(e) for e in out if isinstance(e, ReasoningDelta | TextDelta)]
    assert kinds.index(TextDelta) > kinds.index(ReasoningDelta)
    assert "".join(e.text for e in out if isinstance(e, ReasoningDelta)) == "Let me think about it"


def test_tool_call_arguments_split_over_chunks(model_server: ModelServer) -> None:
    model_server.script([Reply(tool_calls=[("Bash", {"command": "echo hi"}, "call_a")])])
    out = events(_provider(model_server), request(tools=[BASH]))
    deltas = [e for e in out if isinstance(e, ToolCallDelta)]
    assert len([d for d in deltas if d.arguments]) >= 3
    assert [d.name for d in deltas if d.name] == ["Bash"]  # the name comes once
    assert [d.id for d in deltas if d.id] == ["call_a"]
    assert out[-1] == Finish("tool_calls")
    assert model_server.last_tools() == ["Bash"]
    tool = model_server.last_request()["tools"][0]
    assert tool["type"] == "function" and tool["function"]["parameters"] == BASH.parameters


def test_two_parallel_tool_calls(model_server: ModelServer) -> None:
    model_server.script(
        [
            Reply(
                text="Running both.",
                tool_calls=[("Bash", {"command": "ls"}), ("Bash", {"command": "pwd"})],
            )
        ]
    )
    acc = accumulate(_provider(model_server), request(tools=[BASH]))
    assert acc.text == "Running both."
    assert args_of(acc) == [("Bash", {"command": "ls"}), ("Bash", {"command": "pwd"})]
    assert len({c.id for c in acc.tool_calls}) == 2
    assert acc.finish_reason == "tool_calls"


def test_full_conversation_is_translated_and_accepted(model_server: ModelServer) -> None:
    history = [
        ChatMessage("system", "sys"),
        ChatMessage("user", "look at this", images=[{"media_type": "image/png", "data": "AAAA"}]),
        ChatMessage(
            "assistant",
            "",
            tool_calls=[
                ToolCall("c1", "Bash", '{"command": "ls"}'),
                ToolCall("c2", "Read", '{"path": "a.png"}'),
            ],
            reasoning="hmm",
        ),
        ChatMessage("tool", "a.png", tool_call_id="c1"),
        ChatMessage(
            "tool",
            "(image)",
            tool_call_id="c2",
            images=[{"media_type": "image/png", "data": "BBBB"}],
        ),
        ChatMessage("user", "and now?"),
    ]
    model_server.script([Reply(text="ok")])
    acc = accumulate(_provider(model_server), request(*history, tools=[BASH], parallel_tool_calls=False))
    assert acc.text == "ok" and not model_server.protocol_errors
    sent = model_server.last_messages()
    assert [m["role"] for m in sent] == [
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
        "user",
        "user",
    ]
    assert sent[1]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,AAAA"},
    }
    # a string, never null: llama.cpp-based servers answer 500 to a null content
    assert sent[2]["content"] == "" and sent[2]["tool_calls"][1]["function"]["name"] == "Read"
    assert "reasoning_content" not in sent[2]
    assert sent[3] == {"role": "tool", "tool_call_id": "c1", "content": "a.png"}
    assert sent[5]["content"][-1]["image_url"]["url"].endswith("BBBB")
    assert model_server.last_request()["parallel_tool_calls"] is False


def test_error_in_the_middle_of_a_stream(model_server: ModelServer) -> None:
    model_server.script([Reply(text="one two three four five six", stream_error="boom")])
    with pytest.raises(LLMError, match="boom"):
        events(_provider(model_server), request())
    assert len(model_server.model_requests) == 1  # text had reached us: no silent retry


def test_dropped_connection_mid_stream(model_server: ModelServer) -> None:
    model_server.script([Reply(text="one two three four five six", drop_stream=True)])
    with pytest.raises(LLMError, match="broke mid-stream"):
        events(_provider(model_server), request())


def test_max_tokens_field_and_no_key_header() -> None:
    provider = OpenAIChatProvider("http://x/v1", None, name="ollama", max_tokens_field="max_tokens")
    body = provider.build_body(request(max_tokens=100, temperature=0.2))
    assert body["max_tokens"] == 100 and body["temperature"] == 0.2
    assert "tools" not in body and "parallel_tool_calls" not in body
    assert "Authorization" not in provider.headers()
    gpt5 = OpenAIChatProvider("http://x/v1", "k", max_tokens_field="max_completion_tokens")
    body = gpt5.build_body(request(model="gpt-5", max_tokens=100, temperature=0.2, reasoning_effort="low"))
    assert body["max_completion_tokens"] == 100 and "temperature" not in body
    assert body["reasoning_effort"] == "low"


@pytest.fixture
def fresh_quirks() -> Iterator[None]:
    forget_learned_quirks()
    yield
    forget_learned_quirks()


def test_tools_go_out_with_an_explicit_tool_choice(model_server: ModelServer) -> None:
    model_server.script([Reply(text="a"), Reply(text="b")])
    accumulate(_provider(model_server), request(tools=[BASH]))
    assert model_server.last_request()["tool_choice"] == "auto"
    accumulate(_provider(model_server), request())
    assert "tool_choice" not in model_server.last_request()


def test_a_server_that_refuses_streaming_with_tools_is_asked_again_unstreamed(
    model_server: ModelServer, fresh_quirks: None
) -> None:
    refusal = Reply(stream_error="Automatic streaming tool choice is not supported")
    model_server.script([refusal, Reply(tool_calls=[("Bash", {"command": "ls"})]), Reply(text="again")])
    acc = accumulate(_provider(model_server), request(tools=[BASH]))
    assert args_of(acc) == [("Bash", {"command": "ls"})] and acc.finish_reason == "tool_calls"
    assert acc.usage.prompt_tokens > 0
    assert [r.get("stream") for r in model_server.model_requests] == [True, False]
    assert "stream_options" not in model_server.last_request()
    # Remembered for this server: the next request with tools goes out unstreamed at once.
    assert accumulate(_provider(model_server), request(tools=[BASH])).text == "again"
    assert [r.get("stream") for r in model_server.model_requests] == [True, False, False]


def test_an_empty_200_stream_is_asked_again_unstreamed_for_the_real_error(
    model_server: ModelServer, fresh_quirks: None
) -> None:
    # llama-cpp-python answers 200 with an empty body when it fails before the first chunk.
    overflow = {
        "error": {
            "message": "This model's maximum context length is 2048 tokens. However, you "
            "requested 2510 tokens (2510 in the messages, None in the completion)."
        }
    }
    model_server.script([Reply(empty_stream=True), Reply(status=400, error_body=overflow)])
    with pytest.raises(ContextWindowExceededError) as info:
        events(_provider(model_server), request())
    assert info.value.window == 2048
    assert [r.get("stream") for r in model_server.model_requests] == [True, False]


def test_an_overflow_inside_a_stream_is_not_retried(model_server: ModelServer) -> None:
    model_server.script([Reply(stream_error="Requested tokens (2939) exceed context window of 2048")])
    with pytest.raises(ContextWindowExceededError) as info:
        events(_provider(model_server), request())
    assert info.value.window == 2048 and len(model_server.model_requests) == 1


def test_a_lone_surrogate_in_the_servers_json_arrives_as_a_replacement_character(model_server: ModelServer) -> None:
    # The fake server writes JSON with ensure_ascii, so this goes out as the escape "\udce9".
    model_server.script([Reply(text="caf\udce9 ok")])
    text = "".join(e.text for e in events(_provider(model_server), request()) if isinstance(e, TextDelta))
    assert text == "caf\ufffd ok"
    text.encode("utf-8")
