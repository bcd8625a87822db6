"""what a run needs to be resumed after its process died

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00

`runs.request` keeps how the run was asked for (client tools, token streaming,
max steps, model override), so a restarted server can re-execute a background
run from its last stored message. `block_revisions.tool_call_id` records which
tool call made an edit, so a memory tool that is re-run after a crash can tell
that its edit already landed instead of applying it twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("request", sa.JSON(), nullable=True))
    with op.batch_alter_table("block_revisions") as batch_op:
        batch_op.add_column(sa.Column("tool_call_id", sa.String(), nullable=True))
        batch_op.create_index("ix_block_revisions_tool_call_id", ["tool_call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("block_revisions") as batch_op:
        batch_op.drop_index("ix_block_revisions_tool_call_id")
        batch_op.drop_column("tool_call_id")
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("request")
