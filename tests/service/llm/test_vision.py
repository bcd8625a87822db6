"""Which models are sent images, and what a text-only model gets instead: the rule, the
`LETTA_MODEL_VISION` setting, and the request each adapter sends to the scripted server."""

from __future__ import annotations

import pytest

from letta_code.service.llm.registry import get_provider
from letta_code.service.llm.types import ChatMessage, ToolCall
from letta_code.service.llm.vision import accepts_images, without_images
from letta_code.testing import ModelServer, Reply
from tests.service.llm.util import events, request

PNG = {"media_type": "image/png", "data": "iVBORw0KGgo="}


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("anthropic/claude-sonnet-4-5", True),
        ("openai/gpt-4o-mini", True),
        ("openai/gpt-4.1", True),
        ("openai/gpt-5", True),
        ("openai/o4-mini", True),
        ("openai/o3-mini", False),
        ("google/gemini-2.5-pro", True),
        ("openrouter/anthropic/claude-sonnet-4.5", True),
        ("openrouter/z-ai/glm-4.6", False),
        ("llamacpp/qwen3-coder", False),
        ("ollama/gpt-4o", False),  # a local server's model, whatever its name
        ("ollama/llava:13b", True),
        ("lmstudio/qwen2.5-vl-7b-instruct", True),
        ("openai/some-new-model", False),
    ],
)
def test_the_rule_by_family(handle: str, expected: bool) -> None:
    assert accepts_images(handle, {}) is expected


def test_the_setting_decides_when_set() -> None:
    assert accepts_images("llamacpp/qwen3-coder", {"LETTA_MODEL_VISION": "1"}) is True
    assert accepts_images("anthropic/claude-sonnet-4-5", {"LETTA_MODEL_VISION": "false"}) is False
    listed = {"LETTA_MODEL_VISION": "llamacpp/gemma3, ollama/"}
    assert accepts_images("llamacpp/gemma3", listed) is True
    assert accepts_images("ollama/anything", listed) is True
    assert accepts_images("llamacpp/qwen3-coder", listed) is False  # not listed: the rule
    assert accepts_images("anthropic/claude-sonnet-4-5", listed) is True


def test_without_images_puts_one_note_per_image_in_the_text() -> None:
    messages = [
        ChatMessage("assistant", "", tool_calls=[ToolCall("c1", "Read", "{}")]),
        ChatMessage("tool", "Read image a.png.", tool_call_id="c1", images=[PNG]),
        ChatMessage("user", "", images=[PNG, PNG]),
        ChatMessage("user", "plain"),
    ]
    out = without_images(messages, "llamacpp/qwen3-coder")
    note = "[image omitted: llamacpp/qwen3-coder does not accept images]"
    assert [m.content for m in out] == ["", f"Read image a.png.\n{note}", f"{note}\n{note}", "plain"]
    assert all(not m.images for m in out)
    assert messages[1].images == [PNG]  # the caller's messages are left as they were


@pytest.mark.parametrize("handle", ["openai/gpt-4.1", "anthropic/claude-sonnet-4-5"])
def test_a_text_only_model_gets_the_note_on_the_wire(model_server: ModelServer, handle: str) -> None:
    env = model_server.env() | {"LETTA_MODEL_VISION": "0"}
    provider, name = get_provider(handle, env)
    model_server.script([Reply(text="ok")])
    events(provider, request(ChatMessage("user", "what is this?", images=[PNG]), model=name))
    sent = model_server.last_request()
    assert "iVBORw0KGgo" not in str(sent)
    assert model_server.last_user_text() == f"what is this?\n[image omitted: {handle} does not accept images]"


@pytest.mark.parametrize("handle", ["openai/gpt-4.1", "anthropic/claude-sonnet-4-5"])
def test_a_vision_model_gets_the_image(model_server: ModelServer, handle: str) -> None:
    provider, name = get_provider(handle, model_server.env())
    assert provider.accepts_images
    model_server.script([Reply(text="ok")])
    events(provider, request(ChatMessage("user", "what is this?", images=[PNG]), model=name))
    assert "iVBORw0KGgo" in str(model_server.last_request())
