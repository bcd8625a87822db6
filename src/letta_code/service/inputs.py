"""Turn the `messages` of a send request into stored messages.

Accepted forms (Letta API): user messages `{role: "user", content, otid?}`,
approvals `{type: "approval", approvals: [{type: "tool", tool_call_id, tool_return,
status} | {type: "approval", tool_call_id, approve, reason?}]}` (or the single
`approve` + `approval_request_id` form), and `{type: "tool_return", tool_returns: [...]}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from letta_code.service.errors import BadRequestError, ConflictError
from letta_code.service.store.conversations import PendingApproval
from letta_code.service.store.models import Message, new_id, utcnow

# A message as a client sent it (`schemas.chunks.OutgoingMessage` from our harness, any
# JSON object from a REST client): nothing in it is trusted until it is read here.
RequestMessage: TypeAlias = Mapping[str, object]


def content_parts(content: Any) -> list[dict[str, Any]]:
    """User content (a string or a list of parts) as stored parts."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        parts: list[dict[str, Any]] = []
        for part in content:
            if isinstance(part, str):
                parts.append({"type": "text", "text": part})
            elif isinstance(part, dict) and part.get("type") == "text":
                parts.append({"type": "text", "text": str(part.get("text", ""))})
            elif isinstance(part, dict) and part.get("type") == "image":
                source = part.get("source") or {}
                parts.append(
                    {
                        "type": "image",
                        "media_type": source.get("media_type", "image/png"),
                        "data": source.get("data", ""),
                    }
                )
            else:
                raise BadRequestError(f"unsupported content part: {part!r}")
        return parts
    raise BadRequestError("message content must be a string or a list of content parts")


def _approval_items(message: dict[str, Any]) -> list[dict[str, Any]]:
    if message.get("type") == "tool_return":
        return [{**r, "type": "tool"} for r in message.get("tool_returns") or []]
    items = list(message.get("approvals") or [])
    if not items and message.get("approve") is not None:
        raise BadRequestError(
            "approving a client-side tool call needs its result: send approvals of type 'tool' "
            "with tool_call_id, tool_return and status"
        )
    return items


def is_approval(message: dict[str, Any]) -> bool:
    return message.get("type") in ("approval", "tool_return")


def build_input_messages(
    messages: Sequence[RequestMessage],
    *,
    agent_id: str,
    conversation_id: str,
    run_id: str,
    pending: PendingApproval | None,
) -> list[Message]:
    """Validate the request against the conversation's state and build the rows to store.

    A request may answer the pending calls and go on with new user messages in one go (how a
    client recovers an approval it had lost track of): the answers are stored first, right
    after the calls they answer, whatever their place in the request.
    """
    if not messages:
        raise BadRequestError("messages must not be empty")
    checked: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, dict):
            raise BadRequestError("each message must be an object")
        checked.append(message)
    answers: list[Message] = []
    answered: set[str] = set()
    for message in filter(is_approval, checked):
        if pending is None:
            raise BadRequestError("there is no pending approval request in this conversation")
        waiting = {c["id"]: c for c in pending.tool_calls}
        for item in _approval_items(message):
            call_id = str(item.get("tool_call_id"))
            if call_id not in waiting:
                raise BadRequestError(f"unknown tool_call_id {call_id!r}: the pending calls are {', '.join(waiting)}")
            answered.add(call_id)
            answers.append(_tool_result_row(item, agent_id, conversation_id, run_id, message.get("otid")))
    unanswered = [c for c in pending.tool_calls if c["id"] not in answered] if pending is not None else []
    if answered and unanswered:
        raise BadRequestError(f"approvals missing for tool calls: {', '.join(c['id'] for c in unanswered)}")
    said: list[Message] = []
    for message in checked:
        if is_approval(message):
            continue
        role = message.get("role", "user")
        if role not in ("user", "system"):
            raise BadRequestError(f"unsupported message role {role!r}")
        if unanswered:
            names = ", ".join(c["name"] for c in unanswered)
            raise ConflictError(
                f"the conversation is waiting for approval of tool calls ({names}); send an approval message first"
            )
        said.append(
            Message(
                id=new_id("message"),
                agent_id=agent_id,
                conversation_id=conversation_id,
                role="user",
                content=content_parts(message.get("content", "")),
                otid=message.get("otid"),
                run_id=run_id,
                created_at=utcnow(),
            )
        )
    return answers + said


def _tool_result_row(
    item: dict[str, Any], agent_id: str, conversation_id: str, run_id: str, otid: str | None
) -> Message:
    if item.get("type", "approval") == "tool":
        raw = item.get("tool_return", "")
        text = raw if isinstance(raw, str) else "".join(str(p.get("text", "")) for p in raw if isinstance(p, dict))
        status = "error" if item.get("status") == "error" else "success"
        parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
        if isinstance(raw, list):
            parts += [
                {
                    "type": "image",
                    "media_type": p["source"].get("media_type", "image/png"),
                    "data": p["source"].get("data", ""),
                }
                for p in raw
                if isinstance(p, dict) and p.get("type") == "image" and isinstance(p.get("source"), dict)
            ]
    elif item.get("approve") is False:
        reason = item.get("reason") or "no reason given"
        text, status = f"Error: the user denied this tool call. Reason: {reason}", "error"
        parts = [{"type": "text", "text": text}]
    else:
        raise BadRequestError("approving a client-side tool call needs its result: send type 'tool' with tool_return")
    return Message(
        id=new_id("message"),
        agent_id=agent_id,
        conversation_id=conversation_id,
        role="tool",
        content=parts,
        tool_call_id=item["tool_call_id"],
        tool_status=status,
        otid=otid,
        run_id=run_id,
        created_at=utcnow(),
    )
