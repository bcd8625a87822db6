"""The tool calls of a step: given unique ids, stored on the step's message, and asked for approval.

A step's calls come from the stream folder (`llm/base.PartialCall`) and are stored
on the assistant message as `{"id", "name", "arguments", "client"}` (the JSON of
`Message.tool_calls`); `StepCall` is that record, typed. A client tool call is not
run by the service: the step ends with one `approval_request_message` per client
call, built here (`approval_requests`) for a fresh step and for a resumed run alike;
`pending_request` is the same approval as one message, for the agent's and the
conversation's `pending_approval`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from letta_code.schemas.messages import ApprovalRequestMessage, ToolCall
from letta_code.service.llm.base import PartialCall
from letta_code.service.store.models import new_id


@dataclass(frozen=True)
class StepCall:
    """One tool call of a finished step; `client`: a client tool (it waits for an approval)."""

    id: str
    name: str
    arguments: str  # JSON text, "{}" when the model sent none
    client: bool

    @classmethod
    def from_stored(cls, raw: Mapping[str, Any]) -> StepCall:
        return cls(str(raw["id"]), str(raw["name"]), str(raw["arguments"]), bool(raw.get("client")))

    def to_stored(self) -> dict[str, str | bool]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments, "client": self.client}

    def wire(self) -> ToolCall:
        return ToolCall(name=self.name, arguments=self.arguments, tool_call_id=self.id)


def unique_call_id(given: str | None, seen: set[str]) -> str:
    """`given`, unless it is empty or taken by an earlier call of the step: then a new id."""
    call_id = given if given and given not in seen else new_id("call")
    seen.add(call_id)
    return call_id


def step_calls(streamed: Iterable[PartialCall], client_names: Collection[str]) -> list[StepCall]:
    """The calls a step's stream produced, each with its own id (some local servers repeat ids, or send none)."""
    seen: set[str] = set()
    return [StepCall(unique_call_id(c.id, seen), c.name, c.arguments or "{}", c.name in client_names) for c in streamed]


def stored_calls(raw: Iterable[Mapping[str, Any]] | None) -> list[StepCall]:
    """The calls stored on an assistant message (`Message.tool_calls`)."""
    return [StepCall.from_stored(c) for c in raw or []]


def approval_requests(
    message_id: str, step_id: str | None, calls: Sequence[StepCall], *, already_sent: Collection[str] = ()
) -> list[ApprovalRequestMessage]:
    """The approval requests of a step's client calls as they are streamed: one per call, naming
    it alone in `tool_call` and `tool_calls` (clients that gather calls by id from `tool_calls`
    would otherwise take each call once per request: the official CLI joined their arguments
    N times), all with the message's id; a call whose request is in `already_sent` (tool call
    ids) gets none."""
    return [
        ApprovalRequestMessage(id=message_id, otid=new_id("otid"), step_id=step_id, tool_call=call, tool_calls=[call])
        for call in (c.wire() for c in calls if c.client)
        if call.tool_call_id not in already_sent
    ]


def pending_request(message_id: str, calls: Sequence[StepCall]) -> ApprovalRequestMessage | None:
    """The pending approval as one message, the form an agent or conversation reports it in:
    the first waiting call in `tool_call`, every waiting call in `tool_calls`."""
    client = [c.wire() for c in calls if c.client]
    if not client:
        return None
    return ApprovalRequestMessage(id=message_id, tool_call=client[0], tool_calls=client)
