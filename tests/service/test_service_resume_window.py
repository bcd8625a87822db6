"""The resume age check of `AgentService.resume_interrupted_runs`: a run interrupted too long ago is failed.

A background run whose process died is resumed when the service starts again,
unless it was started longer ago than `RESUME_WINDOW`: by then the user has
moved on, and finishing the turn would surprise them. The interrupted run is
built as a process that died right after storing the run's input leaves it.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from letta_code.service.service import RESUME_WINDOW, AgentService
from letta_code.service.store.models import Message, Run, new_id, utcnow
from letta_code.testing import ModelServer, Reply
from tests.conftest import plain_chunks

DEAD_OWNER = f"{socket.gethostname()}:4194305"  # above Linux's pid_max: never a live process


def interrupted_run(service: AgentService, age: timedelta) -> str:
    """A background run started `age` ago whose process died after storing its input."""
    agent_id = service.create_agent(name="a", model="openai/gpt-4.1").id
    conv = service.conversations.default_for(agent_id)
    request = {"client_tools": [], "stream_tokens": False, "max_steps": 5}
    run = service.runs.create(agent_id, conv.id, background=True, request=request)
    service.conversations.add_messages(
        [
            Message(
                id=new_id("message"),
                agent_id=agent_id,
                conversation_id=conv.id,
                role="user",
                content=[{"type": "text", "text": "hi"}],
                tool_calls=[],
                run_id=run.id,
                created_at=utcnow(),
            )
        ]
    )
    with service.runs.sessions.begin() as session:
        row = session.get(Run, run.id)
        assert row is not None
        row.owner, row.created_at = DEAD_OWNER, utcnow() - age
    return run.id


@pytest.mark.parametrize(
    ("age", "resumed"),
    [(RESUME_WINDOW - timedelta(minutes=2), True), (RESUME_WINDOW + timedelta(minutes=2), False)],
    ids=["inside-the-window", "too-old"],
)
def test_only_a_run_interrupted_within_the_resume_window_is_resumed(
    tmp_path: Path, model_server: ModelServer, age: timedelta, resumed: bool
) -> None:
    service = AgentService(tmp_path / "letta.db", model_server.env())
    run_id = interrupted_run(service, age)
    model_server.script([Reply(text="Hello again.")])

    async def restart() -> tuple[list[str], list[dict[str, Any]]]:
        ids = service.resume_interrupted_runs()
        return ids, await plain_chunks(service.follow_run(run_id))

    ids, chunks = asyncio.run(restart())
    run = service.runs.get(run_id)
    if resumed:
        assert ids == [run_id] and (run.status, run.stop_reason) == ("completed", "end_turn")
        assert [c.get("content") for c in chunks if c["message_type"] == "assistant_message"] == ["Hello again."]
    else:
        assert ids == [] and chunks == [] and run.status == "failed"
        assert "started too long ago to be resumed" in (run.error or "")
        assert model_server.requests == []  # the turn was not taken up again
