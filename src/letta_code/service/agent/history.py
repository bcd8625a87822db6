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
    texts = [str(p.get("text", "")) for p in parts if p.get("type") == "text"]
    return texts[0] if len(texts) == 1 else "".join(texts)  # one part: its own string, not a copy


def images_of(parts: list[dict[str, object]]) -> list[dict[str, str]]:
    return [
        {"media_type": str(p.get("media_type", "image/png")), "data": str(p.get("data", ""))}
        for p in parts
        if p.get("type") == "image"
    ]


def chat_view(msg: Message) -> ChatMessage:
    """A user, assistant or tool message as the model sees it."""
    content = text_of(msg.content)
    if msg.role == "assistant":
        calls = [LLMToolCall(c["id"], c["name"], c["arguments"]) for c in msg.tool_calls or []]
        return ChatMessage(
            role="assistant",
            content=content,
            tool_calls=calls,
            reasoning=msg.reasoning,
            reasoning_signature=msg.reasoning_signature,
        )
    if msg.role == "tool":
        return ChatMessage(role="tool", tool_call_id=msg.tool_call_id, content=content, images=images_of(msg.content))
    return ChatMessage(role="user", content=content, images=images_of(msg.content))


class ChatFold:
    """`to_chat_messages` one stored message at a time, so a longer history can go on from
    where a shorter one's left off instead of starting over (`agent/prompt_history.py`)."""

    def __init__(self) -> None:
        self.out: list[ChatMessage] = []
        self.open_calls: list[str] = []  # tool calls of the last assistant message with no result yet

    def add(self, msg: Message) -> None:
        role = msg.role
        if role == "tool":
            if msg.tool_call_id in self.open_calls:
                self.open_calls.remove(msg.tool_call_id)
                self.out.append(chat_view(msg))
            return
        self._close_open_calls(self.out)
        self.open_calls.clear()
        if role == "assistant":
            view = chat_view(msg)
            self.out.append(view)
            self.open_calls.extend(c.id for c in view.tool_calls)
        elif role == "user":
            self.out.append(chat_view(msg))

    def closed(self) -> list[ChatMessage]:
        """The messages so far, with an error result for each call still unanswered."""
        out = list(self.out)
        self._close_open_calls(out)
        return out

    def _close_open_calls(self, out: list[ChatMessage]) -> None:
        for call_id in self.open_calls:
            out.append(ChatMessage(role="tool", tool_call_id=call_id, content=INTERRUPTED_RESULT))


def to_chat_messages(history: list[Message]) -> list[ChatMessage]:
    """The conversation as the model sees it; unanswered tool calls get an error result."""
    fold = ChatFold()
    for msg in history:
        fold.add(msg)
    return fold.closed()


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
