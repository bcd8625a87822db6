"""An agent's archival memory passages: write, read, delete, list a page, search (SQLite FTS5).

The FTS table `archival_passages_fts` and its triggers are created by migration 0002.
Passages are in date order, `(created_at, seq)`: a passage given an earlier
`created_at` (over the API) lists where its date puts it. A page is a keyset query
(the cursor passage's `(created_at, seq)`, so a page costs the same on the thousandth
page as on the first), and its `search` filter is an FTS join in the same query. The
search ranks by BM25 (text weighs 1, tags 2): all words first, then any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from letta_code.schemas.defaults import DEFAULT_TOP_K
from letta_code.service.errors import NotFoundError
from letta_code.service.store.fts import build_fts_query
from letta_code.service.store.models import Passage, new_id, utcnow
from letta_code.service.store.times import aware, db_time

# The sort key of a passage, and the key of the cursor passage (NULL, so no row, for an
# unknown id or a passage of another agent: an empty page, as `server.common.page` gives).
_KEY = "(p.created_at, p.seq)"
_CURSOR = "(SELECT c.created_at, c.seq FROM archival_passages c WHERE c.id = :{} AND c.agent_id = :agent)"


@dataclass
class PassageRecord:
    id: str
    agent_id: str
    text: str
    tags: list[str]
    created_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)
    score: float | None = None


def _passage_record(row: Passage, score: float | None = None) -> PassageRecord:
    return PassageRecord(
        id=row.id,
        agent_id=row.agent_id,
        text=row.text,
        tags=[str(t) for t in row.tags or []],
        created_at=aware(row.created_at),
        metadata=row.metadata_ or {},
        score=score,
    )


class PassageStore:
    """Archival passages over one sessionmaker."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def insert_passage(
        self,
        agent_id: str,
        content: str,
        *,
        tags: Sequence[str] | None = None,
        metadata: dict[str, Any] | None = None,
        created_at: datetime | None = None,
    ) -> PassageRecord:
        row = Passage(
            id=new_id("passage"),
            agent_id=agent_id,
            text=content,
            tags=list(dict.fromkeys(str(t) for t in tags or [])),
            metadata_=metadata or {},
            created_at=created_at or utcnow(),
        )
        with self.sessions.begin() as session:
            session.add(row)
        return _passage_record(row)

    def passage_by_tool_call(self, agent_id: str, tool_call_id: str) -> PassageRecord | None:
        """The passage an `archival_memory_insert` call stored (its metadata names the call)."""
        if not tool_call_id:
            return None
        with self.sessions() as session:
            row = session.scalars(
                select(Passage).where(
                    Passage.agent_id == agent_id, Passage.metadata_["tool_call_id"].as_string() == tool_call_id
                )
            ).first()
            return _passage_record(row) if row else None

    def get_passage(self, passage_id: str) -> PassageRecord:
        with self.sessions() as session:
            row = session.scalars(select(Passage).where(Passage.id == passage_id)).first()
            if row is None:
                raise NotFoundError(f"passage {passage_id} not found")
            return _passage_record(row)

    def delete_passage(self, passage_id: str) -> None:
        with self.sessions.begin() as session:
            result = session.execute(delete(Passage).where(Passage.id == passage_id))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFoundError(f"passage {passage_id} not found")

    def list_passages(
        self,
        agent_id: str,
        *,
        limit: int | None = 100,
        ascending: bool = False,
        after: str | None = None,
        before: str | None = None,
        search: str | None = None,
    ) -> list[PassageRecord]:
        """One page of the agent's passages in date order (newest first unless `ascending`).

        `after`/`before` are passage ids in the returned order; with `before` the page is
        the `limit` passages right before it. `search` keeps the passages with any of its
        words (the order stays the date order). An unknown cursor gives an empty page.
        """
        if limit is not None and limit <= 0:
            return []
        where = ["p.agent_id = :agent"]
        params: dict[str, Any] = {"agent": agent_id, "limit": -1 if limit is None else limit}
        join = ""
        if after:
            where.append(f"{_KEY} {'>' if ascending else '<'} {_CURSOR.format('after')}")
            params["after"] = after
        if before:
            where.append(f"{_KEY} {'<' if ascending else '>'} {_CURSOR.format('before')}")
            params["before"] = before
        fts = build_fts_query(search or "")
        if fts is not None:
            join = " JOIN archival_passages_fts ON archival_passages_fts.rowid = p.seq"
            where.append("archival_passages_fts MATCH :match")
            params["match"] = fts.any_terms
        # With `before`, read back from the cursor (the nearest `limit`), then turn the page round.
        direction = "ASC" if ascending != bool(before) else "DESC"
        sql = (
            f"SELECT p.* FROM archival_passages p{join} WHERE {' AND '.join(where)}"
            f" ORDER BY p.created_at {direction}, p.seq {direction} LIMIT :limit"
        )
        with self.sessions() as session:
            rows = [_passage_record(r) for r in session.scalars(select(Passage).from_statement(text(sql)), params)]
        return rows[::-1] if before else rows

    def count_passages(self, agent_id: str) -> int:
        with self.sessions() as session:
            query = select(func.count()).select_from(Passage).where(Passage.agent_id == agent_id)
            return int(session.scalar(query) or 0)

    def search_passages(
        self,
        agent_id: str,
        query: str,
        *,
        tags: Sequence[str] | None = None,
        match_all_tags: bool = False,
        top_k: int = DEFAULT_TOP_K,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[PassageRecord]:
        """The agent's passages matching `query` (BM25, best first; none: newest first) and the
        tag filter, made from `start` on and on or before `end`."""
        where = ["p.agent_id = :agent"]
        params: dict[str, Any] = {"agent": agent_id, "limit": top_k}
        wanted = list(dict.fromkeys(str(t) for t in tags or []))
        if wanted:
            params["tags"] = wanted
            if match_all_tags:
                where.append(
                    "(SELECT count(DISTINCT t.value) FROM json_each(p.tags) t WHERE t.value IN :tags) = :ntags"
                )
                params["ntags"] = len(wanted)
            else:
                where.append("EXISTS (SELECT 1 FROM json_each(p.tags) t WHERE t.value IN :tags)")
        if start is not None:
            where.append("p.created_at >= :start")
            params["start"] = db_time(start, "start")
        if end is not None:
            where.append("p.created_at <= :end")
            params["end"] = db_time(end, "end")
        fts = build_fts_query(query)
        with self.sessions() as session:
            if fts is None:
                sql = (
                    f"SELECT p.seq, NULL FROM archival_passages p WHERE {' AND '.join(where)}"
                    " ORDER BY p.created_at DESC, p.seq DESC LIMIT :limit"
                )
                ranked = self._passage_rows(session, sql, params)
            else:
                sql = (
                    "SELECT p.seq, bm25(archival_passages_fts, 1.0, 2.0) AS score"
                    " FROM archival_passages_fts JOIN archival_passages p ON p.seq = archival_passages_fts.rowid"
                    f" WHERE archival_passages_fts MATCH :match AND {' AND '.join(where)}"
                    " ORDER BY score, p.seq DESC LIMIT :limit"
                )
                ranked = self._passage_rows(session, sql, {**params, "match": fts.all_terms})
                if len(ranked) < top_k and fts.any_terms != fts.all_terms:
                    seen = {seq for seq, _ in ranked}
                    more = self._passage_rows(session, sql, {**params, "match": fts.any_terms})
                    ranked += [(seq, score) for seq, score in more if seq not in seen][: top_k - len(ranked)]
            if not ranked:
                return []
            rows = {r.seq: r for r in session.scalars(select(Passage).where(Passage.seq.in_([s for s, _ in ranked])))}
            return [_passage_record(rows[seq], score) for seq, score in ranked if seq in rows]

    @staticmethod
    def _passage_rows(session: Session, sql: str, params: dict[str, Any]) -> list[tuple[int, float | None]]:
        statement = text(sql)
        if "tags" in params:
            statement = statement.bindparams(bindparam("tags", expanding=True))
        rows = session.execute(statement, params).all()
        return [(int(seq), None if score is None else float(score)) for seq, score in rows]
