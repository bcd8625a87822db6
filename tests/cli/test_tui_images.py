"""Image paths in a TUI prompt: each spelling a terminal drops becomes `[Image #n]` and the image,
other text is left alone, and the message reaches the model with its image on both transports."""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console

from letta_code.cli.tui.images import with_images
from letta_code.harness.executor import PendingCall, ToolExecutor, UserAnswer
from letta_code.harness.turn import TurnRunner
from letta_code.permissions import Decision, PermissionChecker
from letta_code.testing import ModelServer, Reply
from letta_code.tools.base import ToolSession
from tests.conftest import BackendFactory


def png(path: Path, size: tuple[int, int] = (8, 6)) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (1, 2, 3)).save(path, format="PNG")
    return path.read_bytes()


@pytest.fixture
def shot(tmp_path: Path) -> Path:
    path = tmp_path / "my shots" / "shot one.png"
    png(path)
    return path


@pytest.mark.parametrize(
    "spelling",
    [
        "'{p}'",
        '"{p}"',
        "{e}",
        "file://{u}",
    ],
)
def test_each_dropped_spelling_becomes_an_image(tmp_path: Path, shot: Path, spelling: str) -> None:
    escaped = str(shot).replace(" ", "\\ ")
    url = str(shot).replace(" ", "%20")
    text = "what is in " + spelling.format(p=shot, e=escaped, u=url) + "?"
    content = with_images(text, tmp_path)
    assert isinstance(content, list)
    assert content[0] == {"type": "text", "text": "what is in [Image #1]?"}
    assert content[1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(shot.read_bytes()).decode()},
    }


def test_plain_and_home_paths_and_one_image_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    a, b = tmp_path / "a.png", tmp_path / "b.JPG"
    png(a)
    Image.new("RGB", (3, 3)).save(b, format="JPEG")
    content = with_images(f"compare {a} with ~/b.JPG, then {a} again", tmp_path)
    assert isinstance(content, list) and len(content) == 3
    assert content[0] == {"type": "text", "text": "compare [Image #1] with [Image #2], then [Image #1] again"}
    assert [p["source"]["media_type"] for p in content[1:] if p["type"] == "image"] == ["image/png", "image/jpeg"]


def test_text_without_image_paths_is_sent_as_it_is(tmp_path: Path) -> None:
    png(tmp_path / "logo.png")
    for text in [
        "fix the colours in logo.png",  # relative: a file to work on, not a dropped image
        f"{tmp_path}/missing.png is gone",
        f"read {tmp_path}/notes.txt",
        "it's a 'quoted phrase' and a back\\slash",
    ]:
        assert with_images(text, tmp_path) == text


def test_a_broken_image_stays_text_with_a_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    console = Console(record=True, width=200)
    assert with_images(f"see {bad}", tmp_path, console) == f"see {bad}"
    assert "Cannot attach the image bad.png: it is not a PNG, JPEG, GIF or WebP image" in console.export_text()


def test_a_big_image_is_downscaled_and_said(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    png(big, (5000, 1000))
    console = Console(record=True, width=200)
    content = with_images(str(big), tmp_path, console)
    assert isinstance(content, list) and content[0] == {"type": "text", "text": "[Image #1]"}
    image = content[1]
    assert image["type"] == "image"
    with Image.open(io.BytesIO(base64.b64decode(image["source"]["data"]))) as sent:
        assert sent.size == (2000, 400)
    assert "[Image #1] big.png (5000x1000, sent as 2000x400)" in console.export_text()


def test_wrap_puts_notices_before_the_text_unsearched(tmp_path: Path, shot: Path) -> None:
    other = tmp_path / "other.png"
    png(other)
    content = with_images(f"'{shot}'", tmp_path, wrap=lambda text: f"notice: {other} ended\n\n{text}")
    assert isinstance(content, list) and len(content) == 2
    assert content[0] == {"type": "text", "text": f"notice: {other} ended\n\n[Image #1]"}


def test_the_image_reaches_the_model_on_both_transports(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path, shot: Path
) -> None:
    model_server.script([Reply(text="A dark square.")])

    async def scenario() -> str:
        backend = make_backend()
        try:
            agent = await backend.create_agent(name="t", model="anthropic/claude-sonnet-4-5", block_ids=[], tools=[])
            conv = await backend.default_conversation(agent.id)

            async def never(call: PendingCall, decision: Decision) -> UserAnswer:
                raise AssertionError("no tool runs")

            executor = ToolExecutor(ToolSession(cwd=tmp_path), PermissionChecker("default", cwd=tmp_path), never)
            runner = TurnRunner(backend, executor, conversation_id=conv.id, client_tools=[], stream_tokens=False)
            return (await runner.run(with_images(f"what is '{shot}'?", tmp_path))).text
        finally:
            await backend.close()

    assert asyncio.run(scenario()) == "A dark square."
    [user] = [m for m in model_server.last_messages() if m["role"] == "user"]
    kinds = [(b["type"], b.get("text") or b.get("source", {}).get("media_type")) for b in user["content"]]
    assert kinds == [("text", "what is [Image #1]?"), ("image", "image/png")]
    assert user["content"][1]["source"]["data"] == base64.b64encode(shot.read_bytes()).decode()


def test_an_image_the_read_deny_rules_cover_is_not_attached(shot: Path, tmp_path: Path) -> None:
    checker = PermissionChecker("default", deny=[f"Read({shot.parent}/**)"], cwd=tmp_path)
    session = ToolSession(cwd=tmp_path, hidden=lambda path: checker.denied_by("Read", path) is not None)
    console = Console(record=True, width=200)
    link = tmp_path / "innocent.png"
    link.symlink_to(shot)  # a link to the denied file is refused too
    for path in (shot, link):
        message = with_images(f"look at '{path}'", tmp_path, console, hidden=session.is_hidden)
        assert message == f"look at '{path}'"  # text only: no image part reaches the model
    assert console.export_text().count("a deny rule keeps it from the agent") == 2


@pytest.mark.parametrize("word", ["~nosuchuser-xyz/a.png", "/" + "x" * 5000 + ".png", "/tmp/a\x00b.png"])
def test_a_path_the_system_cannot_read_stays_text(word: str, tmp_path: Path) -> None:
    assert with_images(f"see {word}", tmp_path) == f"see {word}"
