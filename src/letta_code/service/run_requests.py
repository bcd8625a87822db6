"""How a run was requested, stored with the run: what a resumed run needs, and what the context page reads.

`request_json` is what `AgentService.start_run` stores on the run (its client tools and
skills, the model, the limits; the ids are on the run itself); `request_of` reads it back,
for `resume_interrupted_runs` and for the client tools of `AgentService.context_overview`.
"""

from __future__ import annotations

from typing import Any

from letta_code.schemas.defaults import DEFAULT_MAX_STEPS
from letta_code.service.agent.loop import RunRequest
from letta_code.service.llm.types import ToolSpec


def request_json(request: RunRequest) -> dict[str, Any]:
    """What a resumed run needs to know of how it was requested (ids are on the run)."""
    return {
        "client_tools": [
            {"name": t.name, "description": t.description, "parameters": t.parameters} for t in request.client_tools
        ],
        "stream_tokens": request.stream_tokens,
        "max_steps": request.max_steps,
        "override_model": request.override_model,
        "context_window": request.context_window,
        "client_skills": request.client_skills,
    }


def request_of(data: dict[str, Any], agent_id: str, conversation_id: str) -> RunRequest:
    return RunRequest(
        agent_id=agent_id,
        conversation_id=conversation_id,
        client_tools=[ToolSpec(t["name"], t.get("description") or "", t["parameters"]) for t in data["client_tools"]],
        stream_tokens=bool(data.get("stream_tokens")),
        max_steps=int(data.get("max_steps") or DEFAULT_MAX_STEPS),
        override_model=data.get("override_model"),
        context_window=data.get("context_window"),
        client_skills=list(data.get("client_skills") or []),
    )
