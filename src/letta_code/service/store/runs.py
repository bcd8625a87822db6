"""Runs (one agent invocation each) and their persisted stream chunks."""

from __future__ import annotations

import builtins
import os
import socket
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from letta_code.schemas.state import RunState
from letta_code.service.errors import NotFoundError
from letta_code.service.store.models import Run, RunChunk, new_id, utcnow

ACTIVE_STATUSES = ("created", "running")
OWNER = f"{socket.gethostname()}:{os.getpid()}"


def _run_state(run: Run) -> RunState:
    return RunState(
        id=run.id,
        agent_id=run.agent_id,
        conversation_id=run.conversation_id,
        status=run.status,
        stop_reason=run.stop_reason,
        background=run.background,
        usage=run.usage or {},
        error=run.error,
        created_at=run.created_at,
        completed_at=run.completed_at,
    )


def _owner_alive(owner: str | None) -> bool:
    if not owner or ":" not in owner:
        return False
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # cannot tell; assume alive
    try:
        os.kill(int(pid_text), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


class RunStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(self, agent_id: str, conversation_id: str, *, background: bool) -> RunState:
        run = Run(
            id=new_id("run"),
            agent_id=agent_id,
            conversation_id=conversation_id,
            status="running",
            background=background,
            usage={},
            owner=OWNER,
            created_at=utcnow(),
        )
        with self.sessions.begin() as session:
            session.add(run)
        return _run_state(run)

    def get(self, run_id: str) -> RunState:
        with self.sessions() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise NotFoundError(f"run {run_id} not found")
            return _run_state(run)

    def list(
        self,
        *,
        agent_id: str | None = None,
        conversation_id: str | None = None,
        statuses: builtins.list[str] | None = None,
        limit: int = 100,
    ) -> builtins.list[RunState]:
        with self.sessions() as session:
            query = select(Run).order_by(Run.created_at.desc()).limit(limit)
            if agent_id:
                query = query.where(Run.agent_id == agent_id)
            if conversation_id:
                query = query.where(Run.conversation_id == conversation_id)
            if statuses:
                query = query.where(Run.status.in_(statuses))
            return [_run_state(r) for r in session.scalars(query)]

    def active_for(self, conversation_id: str) -> RunState | None:
        """The conversation's running run, failing runs whose process died."""
        with self.sessions.begin() as session:
            runs = session.scalars(
                select(Run).where(Run.conversation_id == conversation_id, Run.status.in_(ACTIVE_STATUSES))
            ).all()
            for run in runs:
                if run.owner != OWNER and not _owner_alive(run.owner):
                    run.status = "failed"
                    run.stop_reason = "error"
                    run.error = "the process running it ended"
                    run.completed_at = utcnow()
                    continue
                return _run_state(run)
        return None

    def finish(
        self, run_id: str, *, status: str, stop_reason: str, usage: dict[str, Any], error: str | None = None
    ) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(status=status, stop_reason=stop_reason, usage=usage, error=error, completed_at=utcnow())
            )

    def request_cancel(self, run_id: str) -> None:
        with self.sessions.begin() as session:
            session.execute(update(Run).where(Run.id == run_id).values(cancel_requested=True))

    def cancel_requested(self, run_id: str) -> bool:
        with self.sessions() as session:
            return bool(session.scalar(select(Run.cancel_requested).where(Run.id == run_id)))

    def append_chunks(self, run_id: str, chunks: builtins.list[tuple[int, dict[str, Any]]]) -> None:
        if not chunks:
            return
        with self.sessions.begin() as session:
            session.add_all(RunChunk(run_id=run_id, seq_id=seq, data=data) for seq, data in chunks)

    def chunks_after(self, run_id: str, starting_after: int) -> builtins.list[tuple[int, dict[str, Any]]]:
        with self.sessions() as session:
            rows = session.execute(
                select(RunChunk.seq_id, RunChunk.data)
                .where(RunChunk.run_id == run_id, RunChunk.seq_id > starting_after)
                .order_by(RunChunk.seq_id)
            ).all()
            return [(int(seq), dict(data)) for seq, data in rows]
