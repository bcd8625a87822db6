"""What an interrupt leaves behind, and how the TUI cleans it up.

After Esc / Ctrl-C the turn must not start another model step, yet tool calls the
agent made still need an answer: the service refuses a new user message while a
conversation waits for approvals. `InterruptibleBackend` keeps the interrupted turn
from going on (`max_steps=0`: results are recorded, no step is taken); the calls left
open are answered by the harness (`harness.turn.answer_without_running`), with the
reasons below, the same way `letta -p` answers calls an earlier session left.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from letta_code.client.backend import Backend
from letta_code.schemas.chunks import ClientToolSchema, OutgoingMessage, StreamChunk
from letta_code.schemas.defaults import DEFAULT_MAX_STEPS

# The reason the model is given, after what is known of the call (`harness.turn.unrun_result`).
INTERRUPTED_REASON = "the user interrupted the turn"
DISCARDED_REASON = "the user discarded it (it was left waiting by an earlier session)"


class InterruptibleBackend:
    """The session's backend, except that after an interrupt no new model step is started:
    tool results still get recorded (max_steps=0), but the agent does not go on."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.interrupted = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def send(
        self,
        conversation_id: str,
        messages: Sequence[OutgoingMessage],
        *,
        client_tools: Sequence[ClientToolSchema],
        stream_tokens: bool,
        max_steps: int = DEFAULT_MAX_STEPS,
        override_model: str | None = None,
    ) -> AsyncIterator[StreamChunk]:
        return self.inner.send(
            conversation_id,
            messages,
            client_tools=client_tools,
            stream_tokens=stream_tokens,
            max_steps=0 if self.interrupted else max_steps,
            override_model=override_model,
        )
