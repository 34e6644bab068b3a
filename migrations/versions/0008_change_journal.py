"""change_journal: what each bulk or single change did, for undo (issue 14)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("change_batch_seq")))
    op.create_table(
        "change_journal",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("batch_id", sa.String(32), nullable=False),
        sa.Column("row_no", sa.Integer, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("workshop_id", sa.BigInteger, nullable=True),
        sa.Column("subject_id", sa.BigInteger, nullable=False),
        sa.Column("actor_id", sa.BigInteger, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", JSONB, nullable=False),
        sa.Column("after", JSONB, nullable=False),
        sa.Column("undone_by", sa.String(32), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_journal")),
        sa.CheckConstraint("row_no >= 0", name=op.f("ck_change_journal_row_no_positive")),
    )
    op.create_index("uq_change_journal_batch_row", "change_journal", ["batch_id", "row_no"], unique=True)
    op.create_index("ix_change_journal_actor_at", "change_journal", ["actor_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_change_journal_actor_at", table_name="change_journal")
    op.drop_index("uq_change_journal_batch_row", table_name="change_journal")
    op.drop_table("change_journal")
    op.execute(sa.schema.DropSequence(sa.Sequence("change_batch_seq")))
