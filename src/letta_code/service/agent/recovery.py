"""Resuming a run whose process died (`letta server` killed mid-run, then started again).

What survives a crash is what the database holds: the messages the run stored
(its input, one assistant message per finished step, one tool message per server
tool that ran) and the chunks it streamed (`run_chunks`; a client can only have
seen stored chunks, see `service/runs.py`). Resuming compares the two, and the
chunk numbering continues after the last stored chunk:

- chunks that a stored message should have produced but that were not stored are
  sent now (of text and reasoning, only what goes beyond what was sent);
- a server tool call with a stored result is never run again; one without runs
  now, in `replay` mode, so a tool whose effect landed right before the crash
  reports it instead of applying it twice;
- the last finished step decides what follows: no tool calls, the turn had ended;
  client tool calls, their approval requests (those not sent yet) and
  `requires_approval`; otherwise the next step runs;
- a step the crash interrupted (its assistant message never stored) is redone
  under the same message and step ids, streaming only the text and reasoning
  beyond what its stored chunks hold. Should the model now answer differently
  (its new output departs from what was streamed, or ends short of it), an
  `event_message` of type `message_superseded` names the partial message
  (`event_data.message_id`: drop every chunk of it) and the step goes out whole
  under a new message id (`event_data.replaced_by`) and new otids: a client that
  assembles by message id, by otid, or honours the event ends up with exactly
  the stored message.

The run's input is never stored again, so no user message or tool result is
duplicated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from letta_code.schemas.messages import (
    ApprovalRequestMessage,
    AssistantMessage,
    EventMessage,
    ReasoningMessage,
    ToolCall,
    ToolCallMessage,
    ToolReturnMessage,
)
from letta_code.service.store.models import Message, new_id

if TYPE_CHECKING:
    from letta_code.service.agent.loop import AgentLoop, RunRequest, StepOutput
    from letta_code.service.runs import LiveRun, RunRegistry

SUPERSEDED: Final = "message_superseded"


@dataclass
class SentText:
    """One channel (text or reasoning) of a step's message, and how much of it clients were sent."""

    sent: str = ""  # what the chunks of an interrupted attempt carried
    otid: str = field(default_factory=lambda: new_id("otid"))
    upto: int = -1  # characters of the channel streamed so far
    checked: int = 0  # characters of `sent` the new output was found to repeat

    def __post_init__(self) -> None:
        if self.upto < 0:
            self.upto = len(self.sent)

    def copy(self) -> SentText:
        return SentText(self.sent, self.otid)

    def repeats(self, full: str, *, final: bool = False) -> bool:
        """Whether `full` (everything the channel produced so far) agrees with what was sent:
        it repeats it so far, or goes on from it; `final`: `full` is all there is, so it must hold it all."""
        end = min(len(full), len(self.sent))
        if end > self.checked:
            if full[self.checked : end] != self.sent[self.checked : end]:
                return False
            self.checked = end
        return not final or len(full) >= len(self.sent)

    def unsent(self, full: str) -> str:
        """The part of `full` not streamed yet."""
        if len(full) <= self.upto:
            return ""
        piece, self.upto = full[self.upto :], len(full)
        return piece


@dataclass
class PartialStep:
    """A step the crash interrupted: its ids and what its chunks already carried."""

    message_id: str
    step_id: str
    text: SentText
    reasoning: SentText


@dataclass
class Streamed:
    """What the stored chunks of a run carried."""

    text: dict[str, SentText] = field(default_factory=dict)  # by message id (the last otid's text)
    reasoning: dict[str, SentText] = field(default_factory=dict)
    step_ids: dict[str, str] = field(default_factory=dict)  # message id -> step id, in the order they came
    superseded: set[str] = field(default_factory=set)  # partial messages a redone step replaced
    calls: set[str] = field(default_factory=set)  # tool_call ids with a tool_call_message
    returns: set[str] = field(default_factory=set)
    approvals: set[str] = field(default_factory=set)


def index_chunks(chunks: Iterable[dict[str, Any]]) -> Streamed:
    out = Streamed()
    for chunk in chunks:
        kind, message_id = chunk.get("message_type"), str(chunk.get("id"))
        if kind in ("assistant_message", "reasoning_message"):
            channels = out.text if kind == "assistant_message" else out.reasoning
            piece = str(chunk.get("content") if kind == "assistant_message" else chunk.get("reasoning") or "")
            otid = str(chunk.get("otid") or "")
            known = channels.get(message_id)
            sent = known.sent + piece if known is not None and known.otid == otid else piece
            channels[message_id] = SentText(sent, otid)
            out.step_ids.setdefault(message_id, str(chunk.get("step_id") or new_id("step")))
        elif kind == "event_message" and chunk.get("event_type") == SUPERSEDED:
            out.superseded.add(str((chunk.get("event_data") or {}).get("message_id")))
        elif kind == "tool_call_message":
            out.calls.add(str((chunk.get("tool_call") or {}).get("tool_call_id")))
        elif kind == "tool_return_message":
            out.returns.add(str(chunk.get("tool_call_id")))
        elif kind == "approval_request_message":
            out.approvals.add(str((chunk.get("tool_call") or {}).get("tool_call_id")))
    return out


def stream_output(registry: RunRegistry, live: LiveRun, out: StepOutput, step_id: str, *, final: bool = False) -> None:
    """Stream what a step's output holds beyond what clients were sent (`final`: the output is complete).

    A step redone after a crash whose new output departs from what its first attempt
    streamed supersedes the partial message: clients are told to drop it, and the
    step goes out whole under a new message id.
    """
    if not (out.reasoning_sent.repeats(out.reasoning, final=final) and out.text_sent.repeats(out.text, final=final)):
        partial, out.message_id = out.message_id, new_id("message")
        out.text_sent, out.reasoning_sent = SentText(), SentText()
        registry.emit(
            live,
            EventMessage(
                id=new_id("message"),
                step_id=step_id,
                event_type=SUPERSEDED,
                event_data={
                    "message_id": partial,
                    "replaced_by": out.message_id,
                    "reason": "the step was redone after a restart and the model answered differently",
                },
            ),
        )
    piece = out.reasoning_sent.unsent(out.reasoning)
    if piece:
        registry.emit(
            live, ReasoningMessage(id=out.message_id, otid=out.reasoning_otid, step_id=step_id, reasoning=piece)
        )
    piece = out.text_sent.unsent(out.text)
    if piece:
        registry.emit(live, AssistantMessage(id=out.message_id, otid=out.text_otid, step_id=step_id, content=piece))


def _text(message: Message) -> str:
    return "".join(str(p.get("text", "")) for p in message.content or [] if p.get("type") == "text")


async def resume_steps(loop: AgentLoop, live: LiveRun, request: RunRequest, usage: dict[str, Any]) -> str:
    """Bring a resumed run's stream up to its stored messages, then finish or continue it."""
    messages = loop.conversations.run_messages(live.run_id)
    streamed = index_chunks(live.chunks)
    steps = [m for m in messages if m.role == "assistant" and m.step_id]
    results = {m.tool_call_id: m for m in messages if m.role == "tool" and m.step_id}
    usage["step_count"] = max(int(usage.get("step_count") or 0), len(steps))
    for step in steps:
        _resend_step(loop, live, request, step, streamed, results)
    if live.cancel.is_set():
        return "cancelled"
    last = steps[-1] if steps else None
    if last is not None and not last.tool_calls:
        return "end_turn"
    client_calls = [c for c in (last.tool_calls if last else []) if c.get("client")]
    if last is not None and client_calls:
        wire_calls = [ToolCall(name=c["name"], arguments=c["arguments"], tool_call_id=c["id"]) for c in client_calls]
        for wire_call in wire_calls:
            if wire_call.tool_call_id not in streamed.approvals:
                loop.registry.emit(
                    live,
                    ApprovalRequestMessage(
                        id=last.id,
                        otid=new_id("otid"),
                        step_id=last.step_id,
                        tool_call=wire_call,
                        tool_calls=wire_calls,
                    ),
                )
        return "requires_approval"
    stored_ids = {m.id for m in messages}
    unfinished = [mid for mid in streamed.step_ids if mid not in stored_ids and mid not in streamed.superseded]
    partial = None
    if unfinished:
        mid = unfinished[-1]
        partial = PartialStep(
            mid,
            streamed.step_ids[mid],
            (streamed.text.get(mid) or SentText()).copy(),
            (streamed.reasoning.get(mid) or SentText()).copy(),
        )
    return await loop._steps(live, request, usage, partial)


def _resend_step(
    loop: AgentLoop,
    live: LiveRun,
    request: RunRequest,
    step: Message,
    streamed: Streamed,
    results: dict[str | None, Message],
) -> None:
    """Emit what a finished step's chunks lack; run its server tools that have no stored result."""
    emit = loop.registry.emit
    reasoning = streamed.reasoning.get(step.id) or SentText()
    piece = reasoning.unsent(step.reasoning or "")
    if piece:
        signature = None if request.stream_tokens else step.reasoning_signature
        emit(
            live,
            ReasoningMessage(
                id=step.id, otid=reasoning.otid, step_id=step.step_id, reasoning=piece, signature=signature
            ),
        )
    text = streamed.text.get(step.id)
    text = text if text is not None and text.otid == step.otid else SentText(otid=step.otid or new_id("otid"))
    piece = text.unsent(_text(step))
    if piece:
        emit(live, AssistantMessage(id=step.id, otid=text.otid, step_id=step.step_id, content=piece))
    for call in step.tool_calls or []:
        if call.get("client"):
            continue
        result = results.get(call["id"])
        if result is None:
            announce = call["id"] not in streamed.calls
            loop.tools.run(
                live,
                request.agent_id,
                request.conversation_id,
                call,
                step.id,
                step.step_id or "",
                announce=announce,
                replay=True,
            )
            continue
        if call["id"] not in streamed.calls:
            wire_call = ToolCall(name=call["name"], arguments=call["arguments"], tool_call_id=call["id"])
            emit(live, ToolCallMessage(id=step.id, otid=new_id("otid"), step_id=step.step_id, tool_call=wire_call))
        if call["id"] not in streamed.returns:
            emit(
                live,
                ToolReturnMessage(
                    id=result.id,
                    otid=new_id("otid"),
                    step_id=step.step_id,
                    tool_return=_text(result),
                    status="error" if result.tool_status == "error" else "success",
                    tool_call_id=call["id"],
                ),
            )
