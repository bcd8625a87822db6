"""Full-text search over stored messages and archival passages (SQLite FTS5).

The FTS tables and the triggers that keep them in sync are created by migration
0002. Queries are built from free text: words are quoted (no FTS syntax errors,
whatever the model sends), `"quoted phrases"` stay phrases, `word*` is a prefix,
and common English words are dropped when other words remain. A search first
asks for messages containing all words; when that finds fewer than wanted, it
tops up with messages containing any of them. Both are ranked by BM25.

Message search ranks the `RANK_WINDOW` most recent matches of the agent: the
cost of a query stays bounded on a history of millions of messages (a word in
every third message would otherwise score hundreds of thousands of rows), and a
conversation history is a place where recent matches matter most. Words rarer
than that are ranked over the whole history.

A hit carries the message's stored text exactly (FTS5 `snippet()` only picks the
window of a long message; its marks are private-use characters that are removed
again) and, separately, the words that matched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from letta_code.service.errors import NotFoundError
from letta_code.service.store.excerpts import (
    CLOSE,
    CUT,
    ELLIPSIS,
    HEAD_CHARS,
    OPEN,
    Excerpt,
    head_excerpt,
    parse_snippet,
)
from letta_code.service.store.models import Message, Passage, new_id, utcnow

RANK_WINDOW = 5000
SNIPPET_TOKENS = 24  # a long message comes back as the best window of this many tokens

_STOPWORD_TEXT = """a about after again all also am an and any are as at be been before being but by can could
    did do does doing done for from had has have having he her here hers him his how i if in into is
    it its just me my no nor not of off on once only or our ours out over own said same she should so
    some such than that the their theirs them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    yours"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_TOKEN = re.compile(r'"([^"]*)"|([\w]+\*?)', re.UNICODE)


@dataclass
class FtsQuery:
    all_terms: str  # every term must match
    any_terms: str  # at least one term matches (same as all_terms for one term)
    terms: list[str] = field(default_factory=list)


def _quote(term: str) -> str:
    prefix = term.endswith("*")
    body = term.rstrip("*").replace('"', '""')
    return f'"{body}"*' if prefix else f'"{body}"'


def build_fts_query(query: str) -> FtsQuery | None:
    """An FTS5 query for free text, or None when it has no searchable word."""
    terms: list[str] = []
    for phrase, word in _TOKEN.findall(query or ""):
        if phrase:
            words = re.findall(r"\w+", phrase, re.UNICODE)
            if words:
                terms.append(" ".join(w.lower() for w in words))
        elif word.rstrip("*"):
            terms.append(word.lower())
    content = [t for t in terms if " " in t or t.rstrip("*") not in STOPWORDS]
    terms = list(dict.fromkeys(content or terms))
    if not terms:
        return None
    quoted = [_quote(t) for t in terms]
    return FtsQuery(" AND ".join(quoted), " OR ".join(quoted), terms)


def db_time(value: datetime) -> str:
    """A datetime in the form SQLAlchemy stores DateTime columns in SQLite (naive UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass
class MessageHit:
    message_id: str
    seq: int
    conversation_id: str
    role: str
    created_at: datetime
    text: str  # the stored text, exactly; a window of it when the message is long
    matches: list[str] = field(default_factory=list)  # the matched words as written in `text`
    clipped_start: bool = False  # `text` starts inside the message
    clipped_end: bool = False  # `text` ends before the end of the message
    score: float | None = None  # BM25 (lower is better); None for a plain listing

    @property
    def snippet(self) -> str:
        """`text` with a leading / trailing "…" where it is clipped."""
        return (ELLIPSIS if self.clipped_start else "") + self.text + (ELLIPSIS if self.clipped_end else "")


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
        created_at=_aware(row.created_at),
        metadata=row.metadata_ or {},
        score=score,
    )


class SearchStore:
    """Message search and archival passages over one sessionmaker."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # -- messages -----------------------------------------------------------
    def search_messages(
        self,
        agent_id: str,
        query: str,
        *,
        roles: Sequence[str] | None = None,
        limit: int = 10,
        start: datetime | None = None,
        end: datetime | None = None,
        exclude_run_id: str | None = None,
    ) -> list[MessageHit]:
        """Messages of the agent (all conversations) matching `query`, best first.

        An empty query lists the newest messages that pass the filters.
        """
        where = ["m.agent_id = :agent"]
        params: dict[str, Any] = {"agent": agent_id}
        if roles:
            where.append("m.role IN :roles")
            params["roles"] = list(roles)
        if start is not None:
            where.append("m.created_at >= :start")
            params["start"] = db_time(start)
        if end is not None:
            where.append("m.created_at < :end")
            params["end"] = db_time(end)
        if exclude_run_id:
            where.append("(m.run_id IS NULL OR m.run_id != :run)")
            params["run"] = exclude_run_id
        fts = build_fts_query(query)
        with self.sessions() as session:
            if fts is None:
                return self._recent(session, where, params, limit)
            ranked = self._ranked(session, fts.all_terms, where, params, limit)
            if len(ranked) < limit and fts.any_terms != fts.all_terms:
                seen = {seq for seq, _ in ranked}
                more = self._ranked(session, fts.any_terms, where, params, limit + len(ranked))
                extra = [(seq, score) for seq, score in more if seq not in seen][: limit - len(ranked)]
                return self._hits(session, fts.all_terms, ranked) + self._hits(session, fts.any_terms, extra)
            return self._hits(session, fts.all_terms, ranked)

    @staticmethod
    def _bind(sql: str, params: dict[str, Any]) -> Any:
        statement = text(sql)
        if "roles" in params:
            statement = statement.bindparams(bindparam("roles", expanding=True))
        return statement

    def _ranked(
        self, session: Session, match: str, where: list[str], params: dict[str, Any], limit: int
    ) -> list[tuple[int, float]]:
        sql = (
            "SELECT seq, score FROM ("
            " SELECT m.seq AS seq, bm25(messages_fts) AS score"
            " FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid"
            f" WHERE messages_fts MATCH :match AND {' AND '.join(where)}"
            " ORDER BY messages_fts.rowid DESC LIMIT :window"
            ") ORDER BY score, seq DESC LIMIT :limit"
        )
        values = {**params, "match": match, "window": RANK_WINDOW, "limit": limit}
        rows = session.execute(self._bind(sql, params), values).all()
        return [(int(seq), float(score)) for seq, score in rows]

    def _recent(self, session: Session, where: list[str], params: dict[str, Any], limit: int) -> list[MessageHit]:
        sql = (
            "SELECT m.seq FROM messages m JOIN messages_fts ON messages_fts.rowid = m.seq"
            f" WHERE {' AND '.join(where)} ORDER BY m.seq DESC LIMIT :limit"
        )
        seqs = [int(r[0]) for r in session.execute(self._bind(sql, params), {**params, "limit": limit})]
        if not seqs:
            return []
        heads = session.execute(
            text("SELECT rowid, substr(body, 1, :head + 1) FROM messages_fts WHERE rowid IN :seqs").bindparams(
                bindparam("seqs", expanding=True)
            ),
            {"seqs": seqs, "head": HEAD_CHARS},
        ).all()
        excerpts = {int(r[0]): head_excerpt(str(r[1])) for r in heads}
        return self._details(session, [(s, None) for s in seqs], excerpts)

    def _hits(self, session: Session, match: str, ranked: list[tuple[int, float]]) -> list[MessageHit]:
        if not ranked:
            return []
        rows = session.execute(
            text(
                "SELECT rowid, snippet(messages_fts, 0, :open, :close, :cut, :tokens), body FROM messages_fts"
                " WHERE messages_fts MATCH :match AND rowid IN :seqs"
            ).bindparams(bindparam("seqs", expanding=True)),
            {
                "open": OPEN,
                "close": CLOSE,
                "cut": CUT,
                "tokens": SNIPPET_TOKENS,
                "match": match,
                "seqs": [seq for seq, _ in ranked],
            },
        ).all()
        excerpts = {int(r[0]): parse_snippet(str(r[1]), str(r[2])) for r in rows}
        return self._details(session, list(ranked), excerpts)

    @staticmethod
    def _details(
        session: Session, ranked: list[tuple[int, float | None]], excerpts: dict[int, Excerpt]
    ) -> list[MessageHit]:
        seqs = [seq for seq, _ in ranked]
        rows = session.execute(
            select(Message.seq, Message.id, Message.conversation_id, Message.role, Message.created_at).where(
                Message.seq.in_(seqs)
            )
        ).all()
        by_seq = {r.seq: r for r in rows}
        hits = []
        for seq, score in ranked:
            if seq not in by_seq:
                continue
            row, excerpt = by_seq[seq], excerpts.get(seq, Excerpt(""))
            hits.append(
                MessageHit(
                    message_id=row.id,
                    seq=seq,
                    conversation_id=row.conversation_id,
                    role=row.role,
                    created_at=_aware(row.created_at),
                    text=excerpt.text,
                    matches=excerpt.matches,
                    clipped_start=excerpt.clipped_start,
                    clipped_end=excerpt.clipped_end,
                    score=score,
                )
            )
        return hits

    # -- archival passages --------------------------------------------------
    def insert_passage(
        self,
        agent_id: str,
        content: str,
        *,
        tags: Sequence[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> PassageRecord:
        row = Passage(
            id=new_id("passage"),
            agent_id=agent_id,
            text=content,
            tags=list(dict.fromkeys(str(t) for t in tags or [])),
            metadata_=metadata or {},
            created_at=utcnow(),
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

    def list_passages(self, agent_id: str, *, limit: int = 100, ascending: bool = False) -> list[PassageRecord]:
        with self.sessions() as session:
            order = Passage.seq.asc() if ascending else Passage.seq.desc()
            rows = session.scalars(select(Passage).where(Passage.agent_id == agent_id).order_by(order).limit(limit))
            return [_passage_record(r) for r in rows]

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
        top_k: int = 10,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[PassageRecord]:
        """The agent's passages matching `query` (BM25, best first) and the tag filter."""
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
            params["start"] = db_time(start)
        if end is not None:
            where.append("p.created_at < :end")
            params["end"] = db_time(end)
        fts = build_fts_query(query)
        with self.sessions() as session:
            if fts is None:
                sql = f"SELECT p.seq, NULL FROM archival_passages p WHERE {' AND '.join(where)} ORDER BY p.seq DESC LIMIT :limit"
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

    def _passage_rows(self, session: Session, sql: str, params: dict[str, Any]) -> list[tuple[int, float | None]]:
        statement = text(sql)
        if "tags" in params:
            statement = statement.bindparams(bindparam("tags", expanding=True))
        rows = session.execute(statement, params).all()
        return [(int(seq), None if score is None else float(score)) for seq, score in rows]
