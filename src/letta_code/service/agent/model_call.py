"""One model call of a step: the provider's stream folded into the step's output.

The events go into the one stream folder (`llm/base.StreamAccumulator`); with
token streaming, the text and reasoning go out to clients as they arrive, through
`recovery.unsent_chunks` (which also handles a step redone after a crash). A
cancel stops reading the stream at once, even while the model has sent nothing yet
(a slow first token held a cancelled run, and its conversation, for as long): what
came so far is the step's output.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from letta_code.schemas.messages import AssistantMessage, ReasoningMessage
from letta_code.service.agent.recovery import SentStep, unsent_chunks
from letta_code.service.live_runs import LiveRun, RunRegistry
from letta_code.service.llm.base import Provider, StreamAccumulator
from letta_code.service.llm.types import ChatRequest, ReasoningDelta, StreamEvent, TextDelta


@dataclass
class StepOutput:
    """A step's model answer (`reply`) and what of it clients were sent (`sent`)."""

    reply: StreamAccumulator
    sent: SentStep

    @property
    def message_id(self) -> str:
        """The step's message id; a step redone after a crash may change it (see `recovery.unsent_chunks`)."""
        return self.sent.message_id


async def call_model(
    registry: RunRegistry,
    live: LiveRun,
    provider: Provider,
    chat: ChatRequest,
    sent: SentStep,
    step_id: str,
    *,
    stream_tokens: bool,
) -> StepOutput:
    """Stream one answer of the model; `sent`: what clients hold of this step already (a redone step)."""
    reply = StreamAccumulator()
    async for event in _until_cancelled(provider.stream(chat), live.cancel):
        reply.feed(event)
        if stream_tokens and isinstance(event, TextDelta | ReasoningDelta):
            for chunk in unsent_chunks(sent, reply.text, reply.reasoning, step_id):
                registry.emit(live, chunk)
    if stream_tokens:
        for chunk in unsent_chunks(sent, reply.text, reply.reasoning, step_id, final=True):
            registry.emit(live, chunk)
    return StepOutput(reply, sent)


async def _until_cancelled(events: AsyncIterator[StreamEvent], cancel: asyncio.Event) -> AsyncIterator[StreamEvent]:
    """`events` until they end or `cancel` is set, whichever comes first (the wait for the next
    event is given up, and the provider's stream closed, the moment it is set)."""
    stop = asyncio.ensure_future(cancel.wait())
    try:
        while not cancel.is_set():
            following = asyncio.ensure_future(anext(events))
            await asyncio.wait((following, stop), return_when=asyncio.FIRST_COMPLETED)
            if not following.done():
                following.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await following
                return
            try:
                yield following.result()
            except StopAsyncIteration:
                return
    finally:
        stop.cancel()
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


def whole_chunks(out: StepOutput, step_id: str) -> list[ReasoningMessage | AssistantMessage]:
    """A step's reasoning and text as one chunk each (a run without token streaming)."""
    reply = out.reply
    chunks: list[ReasoningMessage | AssistantMessage] = []
    if reply.reasoning:
        chunks.append(
            ReasoningMessage(
                id=out.message_id,
                otid=out.sent.reasoning.otid,
                step_id=step_id,
                reasoning=reply.reasoning,
                signature=reply.signature,
            )
        )
    if reply.text:
        chunks.append(AssistantMessage(id=out.message_id, otid=out.sent.text.otid, step_id=step_id, content=reply.text))
    return chunks
