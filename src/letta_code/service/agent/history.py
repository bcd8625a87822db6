"""Convert stored messages to the model's view and to Letta message views."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from letta_code.schemas.messages import (
    AssistantMessage,
    LettaMessage,
    ReasoningMessage,
    ToolCallMessage,
    ToolReturnMessage,
    UserMessage,
)
from letta_code.service.agent.step_calls import approval_requests, stored_calls
from letta_code.service.llm.types import ChatMessage
from letta_code.service.llm.types import ToolCall as LLMToolCall
from letta_code.service.store.models import Message

INTERRUPTED_RESULT = "Error: the tool call was interrupted before it returned a result."


def text_of(parts: list[dict[str, object]]) -> str:
    return "".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")


def images_of(parts: list[dict[str, object]]) -> list[dict[str, str]]:
    return [
        {"media_type": str(p.get("media_type", "image/png")), "data": str(p.get("data", ""))}
        for p in parts
        if p.get("type") == "image"
    ]


def to_chat_messages(history: list[Message]) -> list[ChatMessage]:
    """The conversation as the model sees it; unanswered tool calls get an error result."""
    out: list[ChatMessage] = []
    open_calls: list[str] = []

    def close_open_calls() -> None:
        for call_id in open_calls:
            out.append(ChatMessage(role="tool", tool_call_id=call_id, content=INTERRUPTED_RESULT))
        open_calls.clear()

    for msg in history:
        if msg.role == "tool":
            if msg.tool_call_id in open_calls:
                open_calls.remove(msg.tool_call_id)
                out.append(
                    ChatMessage(
                        role="tool",
                        tool_call_id=msg.tool_call_id,
                        content=text_of(msg.content),
                        images=images_of(msg.content),
                    )
                )
            continue
        close_open_calls()
        if msg.role == "assistant":
            calls = [LLMToolCall(c["id"], c["name"], c["arguments"]) for c in msg.tool_calls or []]
            out.append(
                ChatMessage(
                    role="assistant",
                    content=text_of(msg.content),
                    tool_calls=calls,
                    reasoning=msg.reasoning,
                    reasoning_signature=msg.reasoning_signature,
                )
            )
            open_calls.extend(c.id for c in calls)
        elif msg.role == "user":
            out.append(ChatMessage(role="user", content=text_of(msg.content), images=images_of(msg.content)))
    close_open_calls()
    return out


def to_letta_messages(msg: Message) -> list[LettaMessage]:
    """One stored message as the Letta API's message views (several for an assistant turn)."""
    common: dict[str, Any] = {
        "id": msg.id,
        "date": msg.created_at,
        "otid": msg.otid,
        "run_id": msg.run_id,
        "step_id": msg.step_id,
    }
    views: list[LettaMessage] = []
    if msg.role == "user":
        views.append(UserMessage(content=text_of(msg.content), **common))
    elif msg.role == "assistant":
        if msg.reasoning:
            views.append(ReasoningMessage(reasoning=msg.reasoning, signature=msg.reasoning_signature, **common))
        text = text_of(msg.content)
        if text:
            views.append(AssistantMessage(content=text, **common))
        calls = stored_calls(msg.tool_calls)
        requests = {r.tool_call.tool_call_id: r for r in approval_requests(msg.id, msg.step_id, calls)}
        for call in calls:  # in the order the model made them
            if call.client:
                views.append(replace(requests[call.id], **common))
            else:
                views.append(ToolCallMessage(tool_call=call.wire(), **common))
    elif msg.role == "tool":
        views.append(
            ToolReturnMessage(
                tool_return=text_of(msg.content),
                status="error" if msg.tool_status == "error" else "success",
                tool_call_id=msg.tool_call_id or "",
                **common,
            )
        )
    return views
