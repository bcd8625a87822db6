"""MCP results as the model gets them, built from the SDK's own result types."""

from __future__ import annotations

from mcp import types
from pydantic import AnyUrl

from letta_code.tools.mcp.results import NO_CONTENT, prompt_text, tool_result
from letta_code.tools.truncate import MAX_OUTPUT_CHARS


def text(value: str) -> types.TextContent:
    return types.TextContent(type="text", text=value)


def test_text_parts_join_and_is_error_is_an_error() -> None:
    result = tool_result(types.CallToolResult(content=[text("one"), text("two")], isError=True))
    assert (result.output, result.status) == ("one\n\ntwo", "error")


def test_images_and_image_resources_become_images() -> None:
    result = tool_result(
        types.CallToolResult(
            content=[
                types.ImageContent(type="image", data="AAAA", mimeType="image/jpeg"),
                types.EmbeddedResource(
                    type="resource",
                    resource=types.BlobResourceContents(uri=AnyUrl("file:///a.png"), blob="BBBB", mimeType="image/png"),
                ),
            ]
        )
    )
    assert result.images == [{"media_type": "image/jpeg", "data": "AAAA"}, {"media_type": "image/png", "data": "BBBB"}]
    assert result.output == "" and result.status == "success"


def test_resources_links_and_audio_are_named_or_inlined() -> None:
    result = tool_result(
        types.CallToolResult(
            content=[
                types.EmbeddedResource(
                    type="resource",
                    resource=types.TextResourceContents(uri=AnyUrl("file:///notes.txt"), text="the notes"),
                ),
                types.ResourceLink(type="resource_link", uri=AnyUrl("file:///big.log"), name="big.log"),
                types.AudioContent(type="audio", data="CCCC", mimeType="audio/wav"),
                types.EmbeddedResource(
                    type="resource",
                    resource=types.BlobResourceContents(
                        uri=AnyUrl("file:///x.bin"), blob="DDDD", mimeType="application/zip"
                    ),
                ),
            ]
        )
    )
    assert result.output.split("\n\n") == [
        "the notes",
        "[resource file:///big.log: big.log]",
        "[audio (audio/wav), not shown]",
        "[binary resource file:///x.bin (application/zip), not shown]",
    ]


def test_structured_content_is_appended_unless_a_text_part_carries_it() -> None:
    only = tool_result(types.CallToolResult(content=[], structuredContent={"rows": [1, 2]}))
    assert only.output == '{\n  "rows": [\n    1,\n    2\n  ]\n}'
    besides = tool_result(types.CallToolResult(content=[text("Found 2 rows.")], structuredContent={"rows": [1, 2]}))
    assert besides.output.startswith("Found 2 rows.\n\n{") and '"rows"' in besides.output
    same = tool_result(types.CallToolResult(content=[text('{"rows": [1, 2]}')], structuredContent={"rows": [1, 2]}))
    assert same.output == '{"rows": [1, 2]}'
    wrapped = tool_result(types.CallToolResult(content=[text("42")], structuredContent={"result": 42}))
    assert wrapped.output == "42"


def test_an_empty_result_says_so_and_a_huge_one_is_cut() -> None:
    assert tool_result(types.CallToolResult(content=[])).output == NO_CONTENT
    huge = tool_result(types.CallToolResult(content=[text("x" * (MAX_OUTPUT_CHARS * 2))]))
    assert len(huge.output) < MAX_OUTPUT_CHARS + 200


def test_a_prompt_becomes_its_messages_text() -> None:
    result = types.GetPromptResult(
        messages=[
            types.PromptMessage(role="user", content=text("Review this:")),
            types.PromptMessage(role="user", content=types.ImageContent(type="image", data="A", mimeType="image/png")),
            types.PromptMessage(role="assistant", content=text("Sure.")),
        ]
    )
    assert prompt_text(result) == "Review this:\n\n[image (image/png), not shown]\n\nSure."
