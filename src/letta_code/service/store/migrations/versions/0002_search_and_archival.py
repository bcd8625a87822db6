"""full-text search over messages; archival memory passages

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00

`messages_fts` (FTS5, rowid = messages.seq) holds the searchable text of every
message and is kept in sync by triggers, so every writer (the step loop, the
input builder, bulk loaders) is indexed without knowing about it. What is indexed:
the text parts of the content (parts flagged `"noindex": true` are skipped: the
results of the search tools themselves), plus the name and arguments of tool calls
(except calls of the search tools). Tool results are indexed up to 4000 characters.

`archival_passages` is the agent's archival memory; `archival_passages_fts`
indexes its text and tags the same way.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TOKENIZE = "porter unicode61 remove_diacritics 2"
SEARCH_TOOLS = "'conversation_search', 'archival_memory_search'"
TOOL_RESULT_INDEX_CHARS = 4000


def message_body(row: str) -> str:
    """SQL for the searchable text of the messages row called `row` (new, old, m)."""
    text = (
        f"(SELECT group_concat(json_extract(p.value, '$.text'), char(10)) FROM json_each({row}.content) p "
        "WHERE json_extract(p.value, '$.type') = 'text' AND json_extract(p.value, '$.noindex') IS NULL)"
    )
    calls = (
        "(SELECT group_concat(json_extract(c.value, '$.name') || ' ' || "
        f"coalesce(json_extract(c.value, '$.arguments'), ''), char(10)) FROM json_each({row}.tool_calls) c "
        f"WHERE json_extract(c.value, '$.name') NOT IN ({SEARCH_TOOLS}))"
    )
    body = f"trim(coalesce({text}, '') || char(10) || coalesce({calls}, ''), char(9, 10, 13, 32))"
    return f"CASE WHEN {row}.role = 'tool' THEN substr({body}, 1, {TOOL_RESULT_INDEX_CHARS}) ELSE {body} END"


def passage_tags(row: str) -> str:
    return f"coalesce((SELECT group_concat(t.value, ' ') FROM json_each({row}.tags) t), '')"


def upgrade() -> None:
    op.execute(f"CREATE VIRTUAL TABLE messages_fts USING fts5(body, tokenize = '{TOKENIZE}')")
    op.execute(
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
        f"INSERT INTO messages_fts(rowid, body) SELECT new.seq, b FROM (SELECT {message_body('new')} AS b) "
        "WHERE b != ''; END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
        "DELETE FROM messages_fts WHERE rowid = old.seq; END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, tool_calls, role ON messages BEGIN "
        "DELETE FROM messages_fts WHERE rowid = old.seq; "
        f"INSERT INTO messages_fts(rowid, body) SELECT new.seq, b FROM (SELECT {message_body('new')} AS b) "
        "WHERE b != ''; END"
    )
    op.execute(
        f"INSERT INTO messages_fts(rowid, body) SELECT seq, b FROM "
        f"(SELECT m.seq AS seq, {message_body('m')} AS b FROM messages m) WHERE b != ''"
    )

    op.create_table(
        "archival_passages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("agent_id", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_archival_passages_agent_seq", "archival_passages", ["agent_id", "seq"])
    op.execute(f"CREATE VIRTUAL TABLE archival_passages_fts USING fts5(text, tags, tokenize = '{TOKENIZE}')")
    op.execute(
        "CREATE TRIGGER archival_passages_fts_insert AFTER INSERT ON archival_passages BEGIN "
        f"INSERT INTO archival_passages_fts(rowid, text, tags) VALUES (new.seq, new.text, {passage_tags('new')}); END"
    )
    op.execute(
        "CREATE TRIGGER archival_passages_fts_delete AFTER DELETE ON archival_passages BEGIN "
        "DELETE FROM archival_passages_fts WHERE rowid = old.seq; END"
    )
    op.execute(
        "CREATE TRIGGER archival_passages_fts_update AFTER UPDATE OF text, tags ON archival_passages BEGIN "
        "DELETE FROM archival_passages_fts WHERE rowid = old.seq; "
        f"INSERT INTO archival_passages_fts(rowid, text, tags) VALUES (new.seq, new.text, {passage_tags('new')}); END"
    )


def downgrade() -> None:
    for name in ("archival_passages_fts_update", "archival_passages_fts_delete", "archival_passages_fts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS archival_passages_fts")
    op.drop_index("ix_archival_passages_agent_seq", table_name="archival_passages")
    op.drop_table("archival_passages")
    for name in ("messages_fts_update", "messages_fts_delete", "messages_fts_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS messages_fts")
