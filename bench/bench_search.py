"""conversation_search on a large history: bulk-insert N messages, then time ranked searches.

Usage: python bench/bench_search.py [--messages 1000000] [--agents 1] [--queries 350] [--db PATH]

With `--db PATH` the database is kept there; when PATH exists it is searched again
without being rebuilt (the queries are the same for the same seed).

Builds a fresh database with the real schema (migrations, FTS5 triggers), inserts
generated messages in large transactions through the triggers (the same path the
agent loop takes), then runs searches through `SearchStore.search_messages` (what the
conversation_search tool calls, snippets included) with a fresh connection.

The text is synthetic: a 30,000-word vocabulary with a Zipf distribution (the most
frequent words are English stopwords), messages of 5 to 150 words by role, and one
"needle" word planted in every 1,000th message to check recall. Query kinds: a rare,
a medium and a common word, two words from one message, a quoted phrase, and a
natural question. Reports insert rate, database size, and p50/p95/p99 per kind.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from letta_code.service.service import AgentService
from letta_code.service.store.db import open_database
from letta_code.service.store.search import STOPWORDS, SearchStore

ENGLISH = sorted(STOPWORDS, key=lambda w: (len(w), w))[:60]
ROLES = (("user", 5, 40), ("assistant", 10, 80), ("tool", 20, 150))
BATCH = 50_000


def vocabulary(rng: random.Random, size: int) -> list[str]:
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
    words = list(ENGLISH)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class TextGen:
    """Messages as runs of pre-generated 8-word phrases (fast, Zipf-distributed words)."""

    def __init__(self, rng: random.Random, words: list[str]) -> None:
        self.rng = rng
        weights = [1 / (rank + 1) for rank in range(len(words))]
        self.phrases = [" ".join(rng.choices(words, weights, k=8)) for _ in range(60_000)]

    def text(self, low: int, high: int) -> str:
        count = max(1, self.rng.randint(low, high) // 8)
        return " ".join(self.rng.choices(self.phrases, k=count))


def populate(db_path: Path, messages: int, agents: int, rng: random.Random, gen: TextGen) -> tuple[list[str], float]:
    """The agent ids and the seconds the inserts took."""
    service = AgentService(db_path, {})
    agent_ids = [service.create_agent(name=f"bench-{i}", model="openai/gpt-4.1").id for i in range(agents)]
    conversations_per_agent = max(1, messages // agents // 1000)
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous=OFF")
    convs: list[tuple[str, str]] = []
    now = datetime.now(UTC).replace(tzinfo=None)
    for agent_id in agent_ids:
        for _ in range(conversations_per_agent):
            convs.append((agent_id, f"conv-{uuid.uuid4()}"))
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    db.executemany(
        "INSERT INTO conversations (id, agent_id, is_default, summary, context_start, created_at, updated_at)"
        " VALUES (?, ?, 0, NULL, 0, ?, ?)",
        [(conv, agent, stamp, stamp) for agent, conv in convs],
    )
    db.commit()
    start = now - timedelta(days=365)
    step = timedelta(days=365) / messages
    started = time.perf_counter()
    rows = []
    for i in range(messages):
        agent_id, conv = convs[(i * len(convs)) // messages]
        role, low, high = ROLES[i % 3]
        body = gen.text(low, high)
        if i % 1000 == 0:
            body += f" needle{i // 1000:05d}"
        created = (start + step * i).strftime("%Y-%m-%d %H:%M:%S.%f")
        content = json.dumps([{"type": "text", "text": body}])
        rows.append((f"message-{uuid.uuid4()}", agent_id, conv, role, content, "[]", created))
        if len(rows) == BATCH:
            _insert(db, rows)
            rows = []
            print(f"\r  inserted {i + 1:,} messages", end="", file=sys.stderr, flush=True)
    _insert(db, rows)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(file=sys.stderr)
    return agent_ids, time.perf_counter() - started


def needle_owner(db_path: Path, needle: str) -> str:
    """The agent whose history has the needle (each needle is in one message)."""
    with sqlite3.connect(db_path) as db:
        row = db.execute(
            "SELECT m.agent_id FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid"
            " WHERE messages_fts MATCH ?",
            (f'"{needle}"',),
        ).fetchone()
    return str(row[0])


def _insert(db: sqlite3.Connection, rows: list[tuple[str, ...]]) -> None:
    if not rows:
        return
    db.executemany(
        "INSERT INTO messages (id, agent_id, conversation_id, role, content, tool_calls, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.commit()


def make_queries(rng: random.Random, words: list[str], gen: TextGen, count: int, needles: int) -> list[tuple[str, str]]:
    content_words = [w for w in words if w not in STOPWORDS]

    def from_phrase() -> list[str]:
        return [w for w in rng.choice(gen.phrases).split() if w not in STOPWORDS]

    queries: list[tuple[str, str]] = []
    kinds = ["rare", "medium", "common", "two words", "phrase", "question", "needle"]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        if kind == "rare":
            query = rng.choice(content_words[5000:])
        elif kind == "medium":
            query = rng.choice(content_words[500:5000])
        elif kind == "common":
            query = rng.choice(content_words[:500])
        elif kind == "two words":
            picked = from_phrase() or [rng.choice(content_words)]
            query = " ".join(rng.sample(picked, min(2, len(picked))))
        elif kind == "phrase":
            phrase = rng.choice(gen.phrases).split()
            at = rng.randrange(len(phrase) - 1)
            query = f'"{phrase[at]} {phrase[at + 1]}"'
        elif kind == "question":
            picked = from_phrase() or [rng.choice(content_words)]
            query = f"what did we decide about the {' '.join(picked[:2])}?"
        else:
            query = f"needle{rng.randrange(needles):05d}"
        queries.append((kind, query))
    return queries


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(
    messages: int,
    *,
    agents: int = 1,
    queries: int = 350,
    limit: int = 10,
    seed: int = 7,
    db: Path | None = None,
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> dict[str, Any]:
    """Build (or reuse, when `db` exists) the history and time the searches: the numbers `make bench`
    reports and this script prints."""
    rng = random.Random(seed)
    words = vocabulary(rng, 30_000)
    gen = TextGen(rng, words)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = db or Path(tmp) / "letta.db"
        if db_path.exists():
            log(f"searching the existing {db_path} ...")
            with sqlite3.connect(db_path) as conn:
                agent_ids = [str(r[0]) for r in conn.execute("SELECT id FROM agents ORDER BY name")]
                messages = int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
            seconds = None
        else:
            log(f"inserting {messages:,} messages for {agents} agent(s) ...")
            agent_ids, seconds = populate(db_path, messages, agents, rng, gen)
        files = list(db_path.parent.glob(db_path.name + "*"))
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        for file in files:  # its pages in the OS cache, as on a server that has been up a while
            with file.open("rb") as f:
                while f.read(1 << 24):
                    pass
        store = SearchStore(open_database(db_path))
        picks = random.Random(seed + 1)  # the same queries whether the database was just built or not
        asked = make_queries(picks, words, gen, queries, max(1, messages // 1000))
        for _kind, query in asked[:20]:  # warm-up: prepare statements
            store.search_messages(agent_ids[0], query, limit=limit)
        times: dict[str, list[float]] = {}
        found = needles = 0
        for kind, query in asked:
            agent_id = needle_owner(db_path, query) if kind == "needle" else picks.choice(agent_ids)
            began = time.perf_counter()
            hits = store.search_messages(agent_id, query, limit=limit)
            times.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
            if kind == "needle":
                needles += 1
                found += bool(hits) and query in hits[0].snippet
    every = [t for values in times.values() for t in values]
    return {
        "messages": messages,
        "agents": len(agent_ids),
        "insert_s": seconds,
        "db_mb": size_mb,
        "limit": limit,
        "recall": [found, needles],
        "kinds": {
            kind: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95), "p99": pct(v, 0.99), "max": max(v)}
            for kind, v in [*times.items(), ("all", every)]
        },
        "mean_ms": statistics.mean(every),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=1, help="messages are spread over this many agents")
    parser.add_argument("--queries", type=int, default=350)
    parser.add_argument("--limit", type=int, default=10, help="results per search")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="keep the database here (default: a temporary directory)")
    opts = parser.parse_args()
    r = measure(opts.messages, agents=opts.agents, queries=opts.queries, limit=opts.limit, seed=opts.seed, db=opts.db)
    seconds = r["insert_s"]
    insert = "reused" if seconds is None else f"insert {seconds:.1f}s ({r['messages'] / seconds:,.0f} msg/s)"
    print(f"messages: {r['messages']:,} ({r['agents']} agent(s)); {insert}; database {r['db_mb']:,.0f} MB")
    print(f"needle recall (the needle is the top hit): {r['recall'][0]}/{r['recall'][1]}")
    print(f"{'query kind':12} {'n':>4} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}")
    for kind, k in r["kinds"].items():
        print(f"{kind:12} {k['n']:>4} {k['p50']:8.1f}ms {k['p95']:8.1f}ms {k['p99']:8.1f}ms {k['max']:8.1f}ms")
    print(f"mean {r['mean_ms']:.1f}ms over {r['kinds']['all']['n']} searches (limit {r['limit']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
