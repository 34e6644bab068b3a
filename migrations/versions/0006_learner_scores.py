"""score_points and learner_scores: the leaderboard's maintained figures (issue 11)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

The upgrade fills what PostgreSQL alone knows (every user's row, completed challenges);
badge awards and attendance live in MongoDB, so `skillhub doctor --repair` (which
`skillhub db upgrade` names when it crosses this revision) rebuilds the figures whole.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORE_POINTS_INCLUDE = ["user_id", "source", "points", "category", "until", "in_period"]


def upgrade() -> None:
    op.create_table(
        "score_points",
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("category", sa.String(16), nullable=True),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("in_period", sa.Boolean, nullable=False),
        sa.Column("workshop_id", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("user_id", "source", "ref", name=op.f("pk_score_points")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_score_points_user_id_users")),
        sa.CheckConstraint("source IN ('challenge', 'badge', 'workshop')", name=op.f("ck_score_points_source_known")),
    )
    op.create_index("ix_score_points_at", "score_points", ["at"], postgresql_include=SCORE_POINTS_INCLUDE)
    op.create_index("ix_score_points_category_at", "score_points", ["category", "at"],
                    postgresql_include=["user_id", "source", "points", "until"])
    op.create_index("ix_score_points_workshop", "score_points", ["workshop_id"],
                    postgresql_where=sa.text("workshop_id IS NOT NULL"))
    op.create_table(
        "learner_scores",
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("ranked", sa.Boolean, nullable=False),
        sa.Column("challenge_points", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("completed", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("badge_points", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("workshops_attended", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("total", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_point_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_learner_scores")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_learner_scores_user_id_users")),
    )
    op.create_index("ix_learner_scores_board", "learner_scores",
                    [sa.text("total DESC"), sa.text("last_point_at ASC NULLS LAST"), "user_id"],
                    postgresql_where=sa.text("ranked"))
    op.create_index("ix_learner_scores_valid_until", "learner_scores", ["valid_until"],
                    postgresql_where=sa.text("valid_until IS NOT NULL"))
    op.create_index("ix_learner_scores_valid_from", "learner_scores", ["valid_from"],
                    postgresql_where=sa.text("valid_from IS NOT NULL"))
    op.execute(
        "INSERT INTO score_points (user_id, source, ref, at, category, points, until, in_period)"
        " SELECT uc.user_id, 'challenge', uc.challenge_id::text, uc.completed_at, c.category, uc.points_awarded,"
        " NULL, true FROM user_challenges uc JOIN challenges c ON c.id = uc.challenge_id"
        " WHERE uc.status = 'completed'"
    )
    op.execute(
        "INSERT INTO learner_scores (user_id, ranked, challenge_points, completed, total, last_point_at)"
        " SELECT u.id, u.role = 'learner' AND u.is_active, coalesce(sum(p.points), 0), count(p.user_id),"
        " coalesce(sum(p.points), 0), max(p.at)"
        " FROM users u LEFT JOIN score_points p ON p.user_id = u.id GROUP BY u.id"
    )


def downgrade() -> None:
    op.drop_index("ix_learner_scores_valid_from", table_name="learner_scores")
    op.drop_index("ix_learner_scores_valid_until", table_name="learner_scores")
    op.drop_index("ix_learner_scores_board", table_name="learner_scores")
    op.drop_table("learner_scores")
    op.drop_index("ix_score_points_workshop", table_name="score_points")
    op.drop_index("ix_score_points_category_at", table_name="score_points")
    op.drop_index("ix_score_points_at", table_name="score_points")
    op.drop_table("score_points")
