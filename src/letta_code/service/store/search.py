"""Full-text search over stored messages (SQLite FTS5); archival passages are `PassageStore`'s.

The FTS tables and the triggers that keep them in sync are created by migration
0002; queries are built from free text by `service/store/fts.py`. A search first
asks for messages containing all words; when that finds fewer than wanted, it
tops up with messages containing any of them. Both are ranked by BM25.

A search is over one agent's messages or, with no agent named, over every agent
but the hidden ones (tag `hidden`: reflection agents and subagents, whose
transcripts repeat their parent's messages), in one query and one ranking for
the `conversation_search` tool and `POST /v1/messages/search` alike.

Message search ranks the `RANK_WINDOW` most recent matches of the search: the
cost of a query stays bounded on a history of millions of messages (a word in
every third message would otherwise score hundreds of thousands of rows), and a
conversation history is a place where recent matches matter most. Words rarer
than that are ranked over the whole history.

Some terms are left out of the ranking (they still filter): BM25 weighs a term by
how rare it is, which FTS5 learns by counting every message that has it, and on a
long history that count can cost more than the rest of the search together. A
word in more than `COMMON_ROWS` messages (its weight is near zero anyway), and a
phrase or prefix whose words are all in more than `PHRASE_ROWS` (counting a phrase
checks the words' positions in every message that has them all: 10 to 30 ms at a
million messages) are not counted. How many messages have a word is estimated from
how close together its newest `PROBE_ROWS` matches are, well under a millisecond.
When every term of a search is left out, its matches come newest first; the
top-up with any term uses the terms that are not left out. On a history of fewer
than `PHRASE_ROWS` messages nothing is left out and the ranking is plain BM25.

A hit carries the message's stored text exactly (FTS5 `snippet()` only picks the
window of a long message; its marks are private-use characters that are removed
again) and, separately, the words that matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from letta_code.schemas.defaults import HIDDEN_TAG
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
from letta_code.service.store.fts import STOPWORDS, FtsQuery, all_of, any_of, build_fts_query, words_of
from letta_code.service.store.models import Message
from letta_code.service.store.passages import PassageRecord, PassageStore
from letta_code.service.store.times import aware, db_time

__all__ = ["STOPWORDS", "FtsQuery", "MessageHit", "PassageRecord", "SearchStore", "build_fts_query"]
RANK_WINDOW = 5000
COMMON_ROWS = 200_000  # a word in more messages than this is left out of the ranking (it still filters)
PHRASE_ROWS = 10_000  # the same for a phrase or prefix, when each of its words is in more than this
PROBE_ROWS = 100  # how many of a word's newest matches estimate how many messages have it
SNIPPET_TOKENS = 24  # a long message comes back as the best window of this many tokens
# The tag of agents a search over every agent leaves out (reflection agents, subagents).
_VISIBLE_AGENTS = (
    "m.agent_id IN (SELECT a.id FROM agents a"
    " WHERE NOT EXISTS (SELECT 1 FROM json_each(a.tags) t WHERE t.value = :hidden))"
)


@dataclass
class MessageHit:
    message_id: str
    seq: int
    agent_id: str
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


class SearchStore(PassageStore):
    """Message search (and, inherited, archival passages) over one sessionmaker."""

    def search_messages(
        self,
        agent_id: str | None,
        query: str,
        *,
        roles: Sequence[str] | None = None,
        limit: int = 10,
        start: datetime | None = None,
        end: datetime | None = None,
        exclude_run_id: str | None = None,
        conversation_id: str | None = None,
    ) -> list[MessageHit]:
        """Messages of the agent (all conversations; no agent: every agent not hidden) matching
        `query`, best first, made from `start` on and on or before `end`.

        An empty query lists the newest messages that pass the filters.
        """
        where = ["m.agent_id = :agent" if agent_id is not None else _VISIBLE_AGENTS]
        params: dict[str, Any] = {"agent": agent_id} if agent_id is not None else {"hidden": HIDDEN_TAG}
        if roles:
            where.append("m.role IN :roles")
            params["roles"] = list(roles)
        if start is not None:
            where.append("m.created_at >= :start")
            params["start"] = db_time(start, "start")
        if end is not None:
            where.append("m.created_at <= :end")
            params["end"] = db_time(end, "end")
        if exclude_run_id:
            where.append("(m.run_id IS NULL OR m.run_id != :run)")
            params["run"] = exclude_run_id
        if conversation_id:
            where.append("m.conversation_id = :conv")
            params["conv"] = conversation_id
        fts = build_fts_query(query)
        with self.sessions() as session:
            if fts is None:
                return self._recent(session, where, params, limit)
            unranked = self._unranked_terms(session, fts.terms)
            ranking = [term for term in fts.terms if term not in unranked]
            ranked = self._ranked(session, fts.all_terms, all_of(ranking) if ranking else None, where, params, limit)
            if len(ranked) < limit and len(fts.terms) > 1:
                seen = {seq for seq, _ in ranked}
                top_up = any_of(ranking) if ranking else fts.any_terms
                more = self._ranked(session, top_up, top_up if ranking else None, where, params, limit + len(ranked))
                extra = [(seq, score) for seq, score in more if seq not in seen][: limit - len(ranked)]
                return self._hits(session, fts.all_terms, ranked) + self._hits(session, fts.any_terms, extra)
            return self._hits(session, fts.all_terms, ranked)

    @staticmethod
    def _bind(sql: str, params: dict[str, Any]) -> Any:
        statement = text(sql)
        if "roles" in params:
            statement = statement.bindparams(bindparam("roles", expanding=True))
        return statement

    def _unranked_terms(self, session: Session, terms: Sequence[str]) -> set[str]:
        """The terms too costly to rank by (see the module's docstring). A word's newest `PROBE_ROWS`
        matches spread over the last k rows mean about PROBE_ROWS / k of all rows have it (the rows
        are the messages' seqs, dense but for deletions)."""
        words = sorted({word for term in terms for word in words_of(term)})
        probes = " UNION ALL ".join(
            f"SELECT {i}, count(*), min(rowid), (SELECT max(rowid) FROM messages_fts) FROM (SELECT rowid"
            f" FROM messages_fts WHERE messages_fts MATCH :w{i} ORDER BY rowid DESC LIMIT :probe)"
            for i in range(len(words))
        )
        values = {"probe": PROBE_ROWS, **{f"w{i}": word for i, word in enumerate(words)}}
        estimates: dict[str, float] = {}
        for i, found, oldest, newest in session.execute(text(probes), values):
            if newest is None or newest <= min(COMMON_ROWS, PHRASE_ROWS):
                return set()  # a short history: nothing is common
            estimates[words[i]] = found if found < PROBE_ROWS else PROBE_ROWS * newest / (newest - oldest + 1)
        return {
            term
            for term in terms
            if min(estimates[word] for word in words_of(term))
            > (PHRASE_ROWS if " " in term or term.endswith("*") else COMMON_ROWS)
        }

    def _ranked(
        self, session: Session, match: str, rank: str | None, where: list[str], params: dict[str, Any], limit: int
    ) -> list[tuple[int, float | None]]:
        """The best `limit` of the newest `RANK_WINDOW` messages matching `match` and `where`, by BM25
        over the terms of `rank` (which every row matching `match` matches too), or the newest
        `limit` of them when `rank` is None."""
        filters = " AND ".join(where)
        if rank is None:
            sql = (
                "SELECT m.seq, NULL FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid"
                f" WHERE messages_fts MATCH :match AND {filters} ORDER BY messages_fts.rowid DESC LIMIT :limit"
            )
        else:
            # The full match is one set, read once and checked before the join (`+`: as a lookup
            # per row it would have FTS5 start the ranked search, and its counts, over each time).
            full = (
                ""
                if rank == match
                else " AND +messages_fts.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH :match)"
            )
            sql = (
                "SELECT seq, score FROM ("
                " SELECT m.seq AS seq, bm25(messages_fts) AS score"
                " FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid"
                f" WHERE messages_fts MATCH :rank AND {filters}{full}"
                " ORDER BY messages_fts.rowid DESC LIMIT :window"
                ") ORDER BY score, seq DESC LIMIT :limit"
            )
        values = {**params, "match": match, "rank": rank, "window": RANK_WINDOW, "limit": limit}
        rows = session.execute(self._bind(sql, params), values).all()
        return [(int(seq), None if score is None else float(score)) for seq, score in rows]

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

    def _hits(self, session: Session, match: str, ranked: list[tuple[int, float | None]]) -> list[MessageHit]:
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
            select(
                Message.seq, Message.id, Message.agent_id, Message.conversation_id, Message.role, Message.created_at
            ).where(Message.seq.in_(seqs))
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
                    agent_id=row.agent_id,
                    conversation_id=row.conversation_id,
                    role=row.role,
                    created_at=aware(row.created_at),
                    text=excerpt.text,
                    matches=excerpt.matches,
                    clipped_start=excerpt.clipped_start,
                    clipped_end=excerpt.clipped_end,
                    score=score,
                )
            )
        return hits
