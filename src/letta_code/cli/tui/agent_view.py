"""`/agent`: the agent's id, name, model and conversation, and where else to reach it.

Over a server (LETTA_BASE_URL) that is the server, the agent's REST path and its page in
the ADE the server serves at `/`; on the embedded service, the database and how to serve it.
"""

from __future__ import annotations

from letta_code.config import paths
from letta_code.schemas.state import AgentState, ConversationState


def ade_link(base_url: str, agent_id: str) -> str:
    """The agent's page in the ADE of the server at `base_url`."""
    return f"{base_url.rstrip('/')}/#/agents/{agent_id}"


def agent_rows(agent: AgentState, conversation: ConversationState, base_url: str | None) -> list[tuple[str, str]]:
    """What `/agent` prints, as label and value rows."""
    rows = [("Agent", agent.name), ("ID", agent.id), ("Model", agent.model), ("Conversation", conversation.id)]
    if base_url:
        root = base_url.rstrip("/")
        return [
            *rows,
            ("Server", f"{root} (LETTA_BASE_URL)"),
            ("REST", f"{root}/v1/agents/{agent.id}"),
            ("ADE", ade_link(root, agent.id)),
        ]
    return [
        *rows,
        ("Service", f"embedded, stored in {paths.database_path()}"),
        (
            "REST",
            f"/v1/agents/{agent.id} — run `letta server` and point LETTA_BASE_URL "
            "at it to reach this agent from the Letta SDKs and other clients",
        ),
        ("ADE", "run `letta ade` to see this agent's memory and conversations in a browser"),
    ]
