"""An agent's context window: what the next request to its model will contain, with token counts.

The service compiles it exactly as the loop would (`service/context_window.py`);
this route only renders it, in the names of Letta's `ContextWindowOverview`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from letta_code.server.common import Router, service_of
from letta_code.server.views import context_view

router = Router(prefix="/v1", tags=["agents"])


@router.get("/agents/{agent_id}/context", summary="The next model request of a conversation, part by part")
async def agent_context(agent_id: str, request: Request, conversation_id: str | None = None) -> dict[str, Any]:
    service = service_of(request)
    conv = service.resolve_conversation(conversation_id, agent_id)  # none: the agent's default one
    return context_view(service.context_overview(conv.id))
