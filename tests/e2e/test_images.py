"""Images through the real `letta -p`: a PNG the agent reads reaches the next model request
as an image in the wire shape of each protocol (OpenAI Chat Completions, Anthropic
Messages), a big one downscaled to at most 2000 px, and a text-only model gets a one-line
note instead of the image data; a path dropped into the TUI goes out as the image; and the
turn loop carries a read image to the model on both transports (embedded and HTTP)."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from letta_code.harness.executor import PendingCall, ToolExecutor, UserAnswer, client_tool_schema
from letta_code.harness.turn import TurnRunner
from letta_code.permissions import Decision, PermissionChecker
from letta_code.testing import ModelServer, Reply
from letta_code.tools.base import ToolSession
from letta_code.tools.registry import select_tools
from tests.cli.test_tui_terminal import Terminal, start
from tests.conftest import BackendFactory, Letta


def write_png(path: Path, size: tuple[int, int], color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format="PNG")
    return path.read_bytes()


def sent_images(request: dict[str, Any]) -> list[tuple[str, str]]:
    """(media type, base64 data) of every image in a recorded model request, either protocol."""
    found: list[tuple[str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == "image_url":  # OpenAI: a data URL
                url = str(node["image_url"]["url"])
                head, _, data = url.partition(",")
                found.append((head.removeprefix("data:").removesuffix(";base64"), data))
            elif node.get("type") == "image":  # Anthropic: a base64 source
                found.append((str(node["source"]["media_type"]), str(node["source"]["data"])))
            else:
                walk(list(node.values()))

    walk(request.get("messages", []))
    return found


def read_turn(letta: Letta, model_server: ModelServer, model: str, name: str = "shot.png") -> dict[str, Any]:
    """Run one `letta -p` turn in which the model Reads `name`; the request after the Read."""
    model_server.script([Reply(tool_calls=[("Read", {"file_path": name})]), Reply(text="A red square.")])
    proc = letta.run("-p", "what is in shot.png?", "--yolo", "-m", model)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "A red square.\n"
    requests = model_server.model_requests
    assert len(requests) == 2
    return requests[1]


@pytest.mark.parametrize(
    ("model", "protocol"), [("openai/gpt-4.1", "openai"), ("anthropic/claude-sonnet-4-5", "anthropic")]
)
def test_a_read_png_reaches_the_next_request(
    letta: Letta, model_server: ModelServer, model: str, protocol: str
) -> None:
    png = write_png(letta.cwd / "shot.png", (64, 48))
    request = read_turn(letta, model_server, model)
    assert model_server.model_requests[1].protocol == protocol
    assert sent_images(request) == [("image/png", base64.b64encode(png).decode())]
    if protocol == "openai":  # a tool message cannot carry an image: it follows in a user message
        tool_at = next(i for i, m in enumerate(request["messages"]) if m["role"] == "tool")
        assert "64x48" in request["messages"][tool_at]["content"]
        assert request["messages"][tool_at + 1]["role"] == "user"
    else:  # the image sits inside the tool_result block
        results = [b for m in request["messages"] for b in m["content"] if b.get("type") == "tool_result"]
        assert [p["type"] for p in results[0]["content"]] == ["text", "image"]


@pytest.mark.parametrize("model", ["openai/gpt-4.1", "anthropic/claude-sonnet-4-5"])
def test_a_big_image_is_sent_downscaled(letta: Letta, model_server: ModelServer, model: str) -> None:
    write_png(letta.cwd / "shot.png", (4000, 3000))
    request = read_turn(letta, model_server, model)
    [(media, data)] = sent_images(request)
    with Image.open(io.BytesIO(base64.b64decode(data))) as sent:
        assert max(sent.size) <= 2000 and sent.size == (2000, 1500)
    assert media == "image/png"
    assert "4000x3000" in json.dumps(request) and "2000x1500" in json.dumps(request)


def test_a_text_only_model_gets_a_note_not_the_image(letta: Letta, model_server: ModelServer) -> None:
    write_png(letta.cwd / "shot.png", (64, 48))
    letta.env["LLAMACPP_BASE_URL"] = model_server.base_url
    model_server.models.append("qwen3-coder")
    request = read_turn(letta, model_server, "llamacpp/qwen3-coder")
    assert sent_images(request) == []
    tool = next(m for m in request["messages"] if m["role"] == "tool")
    assert "[image omitted: llamacpp/qwen3-coder does not accept images]" in tool["content"]


def test_the_vision_setting_overrides_the_rule(letta: Letta, model_server: ModelServer) -> None:
    write_png(letta.cwd / "shot.png", (64, 48))
    letta.env["LETTA_MODEL_VISION"] = "0"
    request = read_turn(letta, model_server, "anthropic/claude-sonnet-4-5")
    assert sent_images(request) == []
    assert "[image omitted: anthropic/claude-sonnet-4-5 does not accept images]" in json.dumps(request)


@pytest.mark.slow
def test_a_path_dropped_into_the_tui_is_sent_as_the_image(
    letta: Letta,
    model_server: ModelServer,
    terminals: list[Terminal],
) -> None:
    png = write_png(letta.cwd / "my shots" / "screen shot.png", (64, 48))
    model_server.script([Reply(text="I see a red square.")])
    term = start(terminals, letta)  # openai/gpt-4.1
    dropped = str(letta.cwd / "my shots" / "screen shot.png").replace(" ", "\\ ")  # as a terminal drops it
    term.say(f"what is in {dropped} ?")
    term.wait_for("I see a red square.", "[Image #1] my shots/screen shot.png (64x48)")
    [request] = model_server.model_requests
    assert sent_images(request) == [("image/png", base64.b64encode(png).decode())]
    assert model_server.last_user_text() == "what is in [Image #1] ?"


def test_a_read_image_reaches_the_model_on_both_transports(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    png = write_png(tmp_path / "shot.png", (64, 48))
    model_server.script([Reply(tool_calls=[("Read", {"file_path": "shot.png"})]), Reply(text="A red square.")])

    async def scenario() -> str:
        backend = make_backend()
        try:
            agent = await backend.create_agent(
                name="t", model="anthropic/claude-sonnet-4-5", block_ids=[], tools=["Read"]
            )
            conv = await backend.default_conversation(agent.id)
            executor = ToolExecutor(ToolSession(cwd=tmp_path), PermissionChecker("default", cwd=tmp_path), never_asked)
            tools = [client_tool_schema(t) for t in select_tools(["Read"])]
            runner = TurnRunner(backend, executor, conversation_id=conv.id, client_tools=tools, stream_tokens=False)
            return (await runner.run("what is in shot.png?")).text
        finally:
            await backend.close()

    assert asyncio.run(scenario()) == "A red square."
    assert sent_images(model_server.model_requests[1]) == [("image/png", base64.b64encode(png).decode())]


async def never_asked(call: PendingCall, decision: Decision) -> UserAnswer:
    raise AssertionError(f"Read inside the project asks no one ({call.name})")
