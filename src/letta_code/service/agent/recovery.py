"""Resuming a run whose process died (`letta server` killed mid-run, then started again).

What survives a crash is what the database holds: the messages the run stored
(its input, one assistant message per finished step, one tool message per server
tool that ran) and the chunks it streamed (`run_chunks`; a client can only have
seen stored chunks, see `service/live_runs.py`). `plan_resume` compares the two and
returns a `ResumePlan`, which the loop carries out (this module reads what it is
given and emits nothing, so it needs neither the loop nor the run registry); the
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

A step's text and reasoning go out through `unsent_chunks`, for a fresh step as
its deltas arrive and for a redone one alike: it holds the comparison with what
an interrupted attempt streamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from letta_code.schemas.chunks import StreamChunk
from letta_code.schemas.messages import (
    ApprovalRequestMessage,
    AssistantMessage,
    EventMessage,
    ReasoningMessage,
    ToolCallMessage,
    ToolReturnMessage,
)
from letta_code.service.agent.step_calls import StepCall, approval_requests, stored_calls
from letta_code.service.store.models import Message, new_id

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
class SentStep:
    """What clients were sent of one step's message: its id, and of each channel what went out."""

    message_id: str
    text: SentText = field(default_factory=SentText)
    reasoning: SentText = field(default_factory=SentText)


@dataclass
class PartialStep:
    """A step the crash interrupted: its ids and what its chunks already carried."""

    message_id: str
    step_id: str
    text: SentText
    reasoning: SentText

    def sent(self) -> SentStep:
        """What a new attempt of the step starts from (a fresh copy for every attempt)."""
        return SentStep(self.message_id, self.text.copy(), self.reasoning.copy())


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


def index_chunks(chunks: Iterable[StreamChunk]) -> Streamed:
    out = Streamed()
    for chunk in chunks:
        message_id = str(chunk.get("id"))
        if chunk["message_type"] in ("assistant_message", "reasoning_message"):
            kind = chunk["message_type"]
            channels = out.text if kind == "assistant_message" else out.reasoning
            piece = str(chunk.get("content") if kind == "assistant_message" else chunk.get("reasoning") or "")
            otid = str(chunk.get("otid") or "")
            known = channels.get(message_id)
            sent = known.sent + piece if known is not None and known.otid == otid else piece
            channels[message_id] = SentText(sent, otid)
            out.step_ids.setdefault(message_id, str(chunk.get("step_id") or new_id("step")))
        elif chunk["message_type"] == "event_message" and chunk["event_type"] == SUPERSEDED:
            out.superseded.add(str(chunk["event_data"].get("message_id")))
        elif chunk["message_type"] == "tool_call_message":
            out.calls.add(chunk["tool_call"]["tool_call_id"])
        elif chunk["message_type"] == "tool_return_message":
            out.returns.add(str(chunk.get("tool_call_id")))
        elif chunk["message_type"] == "approval_request_message":
            out.approvals.add(chunk["tool_call"]["tool_call_id"])
    return out


OutputChunk = EventMessage | ReasoningMessage | AssistantMessage


def unsent_chunks(sent: SentStep, text: str, reasoning: str, step_id: str, *, final: bool = False) -> list[OutputChunk]:
    """The chunks that bring clients up to a step's output so far (`final`: the output is complete).

    `text` and `reasoning` are all the step produced so far; what goes out is what
    lies beyond what `sent` says went out, and `sent` is moved on. A step redone
    after a crash whose new output departs from what its first attempt streamed
    supersedes the partial message: the first chunk tells clients to drop it, and
    the step goes out whole under a new message id (`sent.message_id` changes).
    """
    chunks: list[OutputChunk] = []
    if not (sent.reasoning.repeats(reasoning, final=final) and sent.text.repeats(text, final=final)):
        partial, sent.message_id = sent.message_id, new_id("message")
        sent.text, sent.reasoning = SentText(), SentText()
        chunks.append(
            EventMessage(
                id=new_id("message"),
                step_id=step_id,
                event_type=SUPERSEDED,
                event_data={
                    "message_id": partial,
                    "replaced_by": sent.message_id,
                    "reason": "the step was redone after a restart and the model answered differently",
                },
            )
        )
    piece = sent.reasoning.unsent(reasoning)
    if piece:
        chunks.append(ReasoningMessage(id=sent.message_id, otid=sent.reasoning.otid, step_id=step_id, reasoning=piece))
    piece = sent.text.unsent(text)
    if piece:
        chunks.append(AssistantMessage(id=sent.message_id, otid=sent.text.otid, step_id=step_id, content=piece))
    return chunks


@dataclass
class ReplayCall:
    """A server tool call of a finished step without a stored result: run it now, in `replay` mode."""

    call: StepCall
    message_id: str
    step_id: str
    announce: bool  # its tool_call_message was not streamed yet


ResendChunk = ReasoningMessage | AssistantMessage | ToolCallMessage | ToolReturnMessage


@dataclass(frozen=True)
class EndTurn:
    """The last finished step called no tool: the turn had ended."""


@dataclass
class AwaitApproval:
    """The last finished step called client tools: send these approval requests (those not sent yet), stop."""

    requests: list[ApprovalRequestMessage]


@dataclass
class ContinueSteps:
    """Run the next step; `partial`: the step the crash interrupted, to redo under its ids."""

    partial: PartialStep | None = None


@dataclass
class ResumePlan:
    """What resuming a run does, in order: `resend` (chunks to emit, server tools to replay),
    then, unless the run was cancelled, `then`. `steps_done`: the run's finished steps."""

    resend: list[ResendChunk | ReplayCall]
    steps_done: int
    then: EndTurn | AwaitApproval | ContinueSteps


def _text(message: Message) -> str:
    return "".join(str(p.get("text", "")) for p in message.content or [] if p.get("type") == "text")


def plan_resume(messages: Sequence[Message], chunks: Iterable[StreamChunk], *, stream_tokens: bool) -> ResumePlan:
    """How to bring a resumed run's stream up to its stored messages, then finish or continue it.

    `messages`: what the run stored (`ConversationStore.run_messages`), `chunks`:
    what it streamed (its stored chunks), `stream_tokens`: how it was requested.
    """
    streamed = index_chunks(chunks)
    steps = [m for m in messages if m.role == "assistant" and m.step_id]
    results = {m.tool_call_id: m for m in messages if m.role == "tool" and m.step_id}
    resend = [item for step in steps for item in _resend_step(step, streamed, results, stream_tokens)]
    last = steps[-1] if steps else None
    then: EndTurn | AwaitApproval | ContinueSteps
    if last is not None and not last.tool_calls:
        then = EndTurn()
    elif last is not None and any(c.client for c in stored_calls(last.tool_calls)):
        calls = stored_calls(last.tool_calls)
        then = AwaitApproval(approval_requests(last.id, last.step_id, calls, already_sent=streamed.approvals))
    else:
        then = ContinueSteps(_interrupted(messages, streamed))
    return ResumePlan(resend, len(steps), then)


def _interrupted(messages: Sequence[Message], streamed: Streamed) -> PartialStep | None:
    """The step whose chunks went out but whose message was never stored (the last such)."""
    stored_ids = {m.id for m in messages}
    unfinished = [mid for mid in streamed.step_ids if mid not in stored_ids and mid not in streamed.superseded]
    if not unfinished:
        return None
    mid = unfinished[-1]
    return PartialStep(
        mid,
        streamed.step_ids[mid],
        (streamed.text.get(mid) or SentText()).copy(),
        (streamed.reasoning.get(mid) or SentText()).copy(),
    )


def _resend_step(
    step: Message, streamed: Streamed, results: dict[str | None, Message], stream_tokens: bool
) -> list[ResendChunk | ReplayCall]:
    """What a finished step's chunks lack, and its server tools that have no stored result."""
    out: list[ResendChunk | ReplayCall] = []
    reasoning = streamed.reasoning.get(step.id) or SentText()
    piece = reasoning.unsent(step.reasoning or "")
    if piece:
        signature = None if stream_tokens else step.reasoning_signature
        out.append(
            ReasoningMessage(
                id=step.id, otid=reasoning.otid, step_id=step.step_id, reasoning=piece, signature=signature
            )
        )
    text = streamed.text.get(step.id)
    text = text if text is not None and text.otid == step.otid else SentText(otid=step.otid or new_id("otid"))
    piece = text.unsent(_text(step))
    if piece:
        out.append(AssistantMessage(id=step.id, otid=text.otid, step_id=step.step_id, content=piece))
    for call in stored_calls(step.tool_calls):
        if call.client:
            continue
        result = results.get(call.id)
        if result is None:
            out.append(ReplayCall(call, step.id, step.step_id or "", announce=call.id not in streamed.calls))
            continue
        if call.id not in streamed.calls:
            out.append(ToolCallMessage(id=step.id, otid=new_id("otid"), step_id=step.step_id, tool_call=call.wire()))
        if call.id not in streamed.returns:
            out.append(
                ToolReturnMessage(
                    id=result.id,
                    otid=new_id("otid"),
                    step_id=step.step_id,
                    tool_return=_text(result),
                    status="error" if result.tool_status == "error" else "success",
                    tool_call_id=call.id,
                )
            )
    return out
