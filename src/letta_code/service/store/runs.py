"""Runs (one agent invocation each) and their persisted stream chunks.

Each run records its `owner`, the process executing it. A run still `running`
whose owner is gone (exited, or killed and not yet reaped by its parent: a zombie
still answers signal 0) was interrupted: `letta server` resumes it on start
(`orphans`, `claim`), every other process fails it the moment it meets it.
"""

from __future__ import annotations

import builtins
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, cast

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from letta_code.schemas.chunks import StreamChunk
from letta_code.schemas.state import RunState, RunTotals
from letta_code.service.errors import NotFoundError
from letta_code.service.store.models import Run, RunChunk, new_id, utcnow

ACTIVE_STATUSES = ("created", "running")
# A chunk as it is stored: its wire JSON (`schemas.chunks.StreamChunk`), opaque to the store.
StoredChunk: TypeAlias = Mapping[str, object]


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (Linux): state first; None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def _start_ticks(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot; Linux), to tell a reused pid apart."""
    fields = _proc_stat(pid)
    return fields[19] if fields is not None and len(fields) > 19 else None


def _owner_of_this_process() -> str:
    start = _start_ticks(os.getpid())
    return f"{socket.gethostname()}:{os.getpid()}" + (f":{start}" if start else "")


OWNER = _owner_of_this_process()


def _run_state(run: Run) -> RunState:
    return RunState(
        id=run.id,
        agent_id=run.agent_id,
        conversation_id=run.conversation_id,
        status=run.status,
        stop_reason=run.stop_reason,
        background=run.background,
        usage=cast(RunTotals, run.usage or {}),  # written by RunUsage.to_stored
        error=run.error,
        created_at=run.created_at,
        completed_at=run.completed_at,
    )


def _owner_alive(owner: str | None) -> bool:
    """Whether the process named by `owner` ("host:pid" or "host:pid:start") still runs."""
    if owner == OWNER:
        return True
    if not owner or ":" not in owner:
        return False
    host, pid_text, *rest = owner.split(":")
    if host != socket.gethostname():
        return True  # cannot tell; assume alive
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return False  # an earlier process with our pid (a restarted container's pid 1)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _proc_stat(pid)
    if fields and fields[0] in ("Z", "X"):
        return False  # a killed process its parent has not reaped yet: signal 0 still reaches it
    # Alive, unless the pid now belongs to a process started later.
    start = fields[19] if fields is not None and len(fields) > 19 else None
    return not rest or rest[0] == (start or rest[0])


@dataclass
class Orphan:
    """A run left `running` by a process that died."""

    id: str
    agent_id: str
    conversation_id: str
    owner: str | None
    background: bool
    request: dict[str, Any] | None
    usage: RunTotals
    cancel_requested: bool
    created_at: datetime


def _owned_by(owner: str | None) -> Any:
    """SQL condition: the run's owner is still `owner` (nobody claimed or failed it since)."""
    return Run.owner.is_(None) if owner is None else Run.owner == owner


INTERRUPTED = "the process running it ended before the run finished"


class RunStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        # Chunks are written with Core statements on a plain connection: with token streaming
        # that is a commit per event-loop tick, and the ORM session would double its cost.
        self.engine: Engine = sessions.kw["bind"]

    def create(
        self, agent_id: str, conversation_id: str, *, background: bool, request: dict[str, Any] | None = None
    ) -> RunState:
        run = Run(
            id=new_id("run"),
            agent_id=agent_id,
            conversation_id=conversation_id,
            status="running",
            background=background,
            usage={},
            owner=OWNER,
            request=request,
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

    def latest_request(self, conversation_id: str) -> dict[str, Any] | None:
        """How the conversation's newest run was requested (client tools and skills), if any."""
        with self.sessions() as session:
            query = select(Run.request).where(Run.conversation_id == conversation_id)
            return session.scalar(query.order_by(Run.created_at.desc()).limit(1))

    def active_for(self, conversation_id: str) -> RunState | None:
        """The conversation's running run, failing runs whose process died."""
        with self.sessions.begin() as session:
            runs = session.scalars(
                select(Run).where(Run.conversation_id == conversation_id, Run.status.in_(ACTIVE_STATUSES))
            ).all()
            found = None
            for run in runs:
                if _owner_alive(run.owner):
                    found = found or _run_state(run)
                else:
                    self._fail_orphan(session, run.id, run.owner, INTERRUPTED)
        return found

    def reap(self, run_id: str) -> bool:
        """Fail the run if it is active but its process died; True if it was (or is now) over."""
        with self.sessions.begin() as session:
            run = session.get(Run, run_id)
            if run is None or run.status not in ACTIVE_STATUSES:
                return True
            if _owner_alive(run.owner):
                return False
            self._fail_orphan(session, run.id, run.owner, INTERRUPTED)
            return True

    def orphans(self) -> builtins.list[Orphan]:
        """Active runs whose process died, oldest first."""
        with self.sessions() as session:
            runs = session.scalars(select(Run).where(Run.status.in_(ACTIVE_STATUSES)).order_by(Run.created_at)).all()
            return [
                Orphan(
                    id=r.id,
                    agent_id=r.agent_id,
                    conversation_id=r.conversation_id,
                    owner=r.owner,
                    background=r.background,
                    request=r.request,
                    usage=cast(RunTotals, dict(r.usage or {})),
                    cancel_requested=r.cancel_requested,
                    created_at=r.created_at,
                )
                for r in runs
                if not _owner_alive(r.owner)
            ]

    def claim(self, run_id: str, dead_owner: str | None) -> bool:
        """Become the owner of an orphaned run; False if another process got there first."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(Run)
                .where(Run.id == run_id, _owned_by(dead_owner), Run.status.in_(ACTIVE_STATUSES))
                .values(owner=OWNER)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def fail_orphan(self, run_id: str, dead_owner: str | None, reason: str) -> None:
        with self.sessions.begin() as session:
            self._fail_orphan(session, run_id, dead_owner, reason)

    @staticmethod
    def _fail_orphan(session: Session, run_id: str, dead_owner: str | None, reason: str) -> None:
        session.execute(
            update(Run)
            .where(Run.id == run_id, _owned_by(dead_owner), Run.status.in_(ACTIVE_STATUSES))
            .values(status="failed", stop_reason="error", error=reason, completed_at=utcnow())
        )

    def finish(
        self,
        run_id: str,
        *,
        status: str,
        stop_reason: str,
        usage: RunTotals,
        error: str | None = None,
        chunks: Sequence[tuple[int, StoredChunk]] = (),
    ) -> None:
        """End the run, storing its last chunks in the same transaction."""
        with self.engine.begin() as conn:
            _insert_chunks(conn, run_id, chunks)
            conn.execute(
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

    def append_chunks(
        self,
        run_id: str,
        chunks: Sequence[tuple[int, StoredChunk]],
        *,
        usage: RunTotals | None = None,
    ) -> None:
        """Store chunks (and, at a step's end, the usage so far) in one transaction."""
        if not chunks and usage is None:
            return
        with self.engine.begin() as conn:
            _insert_chunks(conn, run_id, chunks)
            if usage is not None:
                conn.execute(update(Run).where(Run.id == run_id).values(usage=dict(usage)))

    def chunks_after(
        self, run_id: str, starting_after: int, *, limit: int | None = None
    ) -> builtins.list[tuple[int, StreamChunk]]:
        """The run's stored chunks after seq_id `starting_after`, in order (at most `limit`)."""
        with self.sessions() as session:
            query = (
                select(RunChunk.seq_id, RunChunk.data)
                .where(RunChunk.run_id == run_id, RunChunk.seq_id > starting_after)
                .order_by(RunChunk.seq_id)
            )
            rows = session.execute(query if limit is None else query.limit(limit)).all()
            return [(int(seq), cast(StreamChunk, dict(data))) for seq, data in rows]  # as emitted


def _insert_chunks(conn: Connection, run_id: str, chunks: Sequence[tuple[int, StoredChunk]]) -> None:
    if chunks:
        conn.execute(insert(RunChunk), [{"run_id": run_id, "seq_id": seq, "data": data} for seq, data in chunks])
