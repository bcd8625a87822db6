"""Reflection passes (ours, not in the Letta API): how many user turns wait for one, and
starting one as a background run of the agent's reflection agent (`service/agent/reflection.py`).
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import Request

from letta_code.server.common import Router, check_model, service_of
from letta_code.server.requests import ReflectionRequest

router = Router(prefix="/v1", tags=["reflection"])


@router.get("/agents/{agent_id}/reflection", summary="User turns since the agent's last reflection pass")
async def reflection_status(request: Request, agent_id: str) -> dict[str, int]:
    return {"pending_user_turns": service_of(request).reflections.pending_turns(agent_id)}


@router.post("/agents/{agent_id}/reflection", summary="Start a reflection pass over the agent's recent messages")
async def start_reflection(request: Request, agent_id: str, body: ReflectionRequest) -> dict[str, object]:
    """The pass runs in the background (follow it with POST /v1/runs/{run_id}/stream);
    `run_id` is null when there was nothing to review or a pass is still running."""
    service = service_of(request)
    if body.model:
        check_model(body.model)
    started = service.reflect(agent_id, min_user_turns=body.min_user_turns, model=body.model, background=True)
    return asdict(started) if started else {"run_id": None}
