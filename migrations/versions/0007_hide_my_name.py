"""user_preferences.leaderboard_hide_my_name: a learner's own name hidden from other learners

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user_preferences", sa.Column("leaderboard_hide_my_name", sa.Boolean, nullable=False,
                                                server_default=sa.text("false")))


def downgrade() -> None:
    op.drop_column("user_preferences", "leaderboard_hide_my_name")
