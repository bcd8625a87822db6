"""The stream-json wire of headless mode: one JSON object a line on stdout, in the seed's
shapes (camelCase chunk keys), each with `session_id`, `uuid` and a UTC `timestamp`."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from letta_code.cli.mcp_setup import init_event_servers
from letta_code.cli.sandbox_setup import sandbox_state
from letta_code.cli.session import SessionContext, silence_stdout
from letta_code.schemas.chunks import StreamChunk


def camelize(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel(k): camelize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camelize(v) for v in value]
    return value


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class OutputClosed(Exception):
    """Whoever read our stdout has gone (`letta -p ... | head -1`). Not an OSError, so the
    turn runner does not take it for a lost connection to the agent service."""


def write_out(text: str) -> None:
    """Write to stdout and flush; OutputClosed when the reader has gone."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError as exc:
        silence_stdout()
        raise OutputClosed from exc


def emit_line(event: Mapping[str, object], *, session: str | None, uuid: str | None = None) -> None:
    """One stream-json line: the event with `session_id` (the agent's id, or null before there is
    an agent), `uuid` (given, else the chunk's otid or id, else a new one) and `timestamp`."""
    line = {
        **event,
        "session_id": session,
        "uuid": uuid or event.get("otid") or event.get("id") or str(uuid4()),
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    write_out(json.dumps(line, ensure_ascii=False) + "\n")


def emit_init(ctx: SessionContext) -> None:
    """The `init` line of stream-json: the session as it starts."""
    agent_id = ctx.target.agent.id
    event = {
        "type": "init",
        "agent_id": agent_id,
        "conversation_id": ctx.target.conversation.id,
        "model": ctx.target.agent.model,
        "tools": ctx.tool_names,
        "permission_mode": ctx.checker.mode.value,
        "cwd": str(ctx.tool_session.cwd),
        "sandbox": sandbox_state(ctx.tool_session.sandbox),
        "mcp_servers": init_event_servers(ctx.mcp),
        "slash_commands": [c.name for c in ctx.prompt_commands],
    }
    emit_line(event, session=agent_id, uuid=f"init-{agent_id}")


def emit_chunk(chunk: StreamChunk, agent_id: str, *, partial: bool) -> None:
    """One chunk of a run as a stream-json line: a `message`, or with `partial` a `stream_event`."""
    event = camelize(chunk)
    if partial:
        emit_line({"type": "stream_event", "event": event}, session=agent_id, uuid=event.get("otid"))
    else:
        emit_line({"type": "message", **event}, session=agent_id)
