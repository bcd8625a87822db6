"""What an MCP tool or prompt answered, as the model gets it.

A tool result's text parts become the result text, images become `ToolResult.images`
(shown to models that take images), embedded text resources are inlined, links and
other binary parts are named; structured content is appended as JSON unless a text
part already carries it (servers are asked to send both). `isError` makes the result
an error. Imports the MCP SDK's types: only for sessions that have an MCP server.
"""

from __future__ import annotations

import json
from typing import Any

from mcp import types

from letta_code.tools.base import ToolResult
from letta_code.tools.truncate import truncate_middle

NO_CONTENT = "(the tool returned no content)"


def tool_result(result: types.CallToolResult) -> ToolResult:
    texts: list[str] = []
    images: list[dict[str, str]] = []
    for part in result.content:
        _add_part(part, texts, images)
    structured = result.structuredContent
    if structured is not None and not _carried(structured, texts):
        texts.append(json.dumps(structured, ensure_ascii=False, indent=2))
    text = "\n\n".join(t for t in texts if t) or (NO_CONTENT if not images else "")
    return ToolResult(truncate_middle(text), "error" if result.isError else "success", images)


def _add_part(part: types.ContentBlock, texts: list[str], images: list[dict[str, str]]) -> None:
    if isinstance(part, types.TextContent):
        texts.append(part.text)
    elif isinstance(part, types.ImageContent):
        images.append({"media_type": part.mimeType, "data": part.data})
    elif isinstance(part, types.AudioContent):
        texts.append(f"[audio ({part.mimeType}), not shown]")
    elif isinstance(part, types.ResourceLink):
        texts.append(f"[resource {part.uri}{': ' + part.name if part.name else ''}]")
    elif isinstance(part, types.EmbeddedResource):
        resource = part.resource
        if isinstance(resource, types.TextResourceContents):
            texts.append(resource.text)
        elif (resource.mimeType or "").startswith("image/"):
            images.append({"media_type": resource.mimeType or "image/png", "data": resource.blob})
        else:
            texts.append(f"[binary resource {resource.uri} ({resource.mimeType or 'unknown type'}), not shown]")


def _carried(structured: dict[str, Any], texts: list[str]) -> bool:
    """Does a text part already say what the structured content says? Either as its JSON, or
    as the plain value a server wrapped as `{"result": value}` (FastMCP does, for a str or int)."""
    joined = "\n".join(texts)
    if set(structured) == {"result"} and joined == _plain(structured["result"]):
        return True
    for text in texts:
        try:
            if json.loads(text) == structured:
                return True
        except ValueError:
            continue
    return False


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def prompt_text(result: types.GetPromptResult) -> str:
    """A prompt's messages as one user message: their text parts, in order."""
    texts: list[str] = []
    for message in result.messages:
        images: list[dict[str, str]] = []
        _add_part(message.content, texts, images)
        texts += [f"[image ({image['media_type']}), not shown]" for image in images]
    return "\n\n".join(t for t in texts if t)
