"""What an interrupt leaves behind, and how the TUI cleans it up.

After Esc / Ctrl-C the turn must not start another model step, yet tool calls the
agent made still need an answer: the service refuses a new user message while a
conversation waits for approvals. Both are handled here without running the model
(`max_steps=0`: the results are recorded, no step is taken).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

from letta_code.client.backend import Backend, BackendError

INTERRUPTED_REASON = "The user interrupted this tool call before it finished; it did not complete."
DISCARDED_REASON = "This tool call was left over from an earlier session and the user chose not to run it."
BUSY_RETRIES = 20


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
        messages: list[dict[str, Any]],
        *,
        client_tools: list[dict[str, Any]],
        stream_tokens: bool,
        max_steps: int = 50,
    ) -> AsyncIterator[dict[str, Any]]:
        return self.inner.send(
            conversation_id,
            messages,
            client_tools=client_tools,
            stream_tokens=stream_tokens,
            max_steps=0 if self.interrupted else max_steps,
        )


async def answer_without_running(
    backend: Any, conversation_id: str, client_tools: list[dict[str, Any]], pending: list[dict[str, Any]], reason: str
) -> bool:
    """Deny the `pending` calls with `reason`, recording the answers without a model step.

    Retries while the conversation is still busy with a cancelled run; False when it failed.
    """
    approvals = [
        {"type": "approval", "tool_call_id": p["tool_call_id"], "approve": False, "reason": reason} for p in pending
    ]
    message = {"type": "approval", "approvals": approvals, "otid": f"otid-{uuid.uuid4()}"}
    for attempt in range(BUSY_RETRIES):
        try:
            stream = backend.send(
                conversation_id, [message], client_tools=client_tools, stream_tokens=False, max_steps=0
            )
            async for _chunk in stream:
                pass
            return True
        except BackendError as exc:
            if exc.status != 409 or attempt == BUSY_RETRIES - 1:
                return False
            await asyncio.sleep(0.1)  # the cancelled run is still winding down
        except Exception:
            return False
    return False
