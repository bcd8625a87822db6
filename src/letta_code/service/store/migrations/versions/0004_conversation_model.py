"""a conversation's own model

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:00:00

A conversation may run on another model than its agent (the Letta API's
conversation `model` and `context_window_limit`; the official Letta Code CLI sets
them for `-m` on an existing agent). NULL: the agent's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("model", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("context_window_limit", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("context_window_limit")
        batch_op.drop_column("model")
