"""challenges, user_challenges and user_preferences (progress and badges)

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = ("energy", "waste", "mobility", "food", "water", "digital")
DIFFICULTIES = ("easy", "medium", "hard")
STATUSES = ("started", "completed", "reset")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        "challenges",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.String(2000), nullable=False, server_default=sa.text("''")),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("difficulty", sa.String(8), nullable=False),
        sa.Column("co2_kg", sa.Numeric(10, 2), nullable=True),
        sa.Column("co2_source", sa.String(300), nullable=True),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("created_by", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_challenges_created_by_users")),
        sa.CheckConstraint("char_length(title) BETWEEN 3 AND 120", name=op.f("ck_challenges_title_length")),
        sa.CheckConstraint(_one_of("category", CATEGORIES), name=op.f("ck_challenges_category_known")),
        sa.CheckConstraint("points BETWEEN 1 AND 1000", name=op.f("ck_challenges_points_range")),
        sa.CheckConstraint(_one_of("difficulty", DIFFICULTIES), name=op.f("ck_challenges_difficulty_known")),
        sa.CheckConstraint("co2_kg IS NULL OR co2_kg >= 0", name=op.f("ck_challenges_co2_not_negative")),
        sa.CheckConstraint(
            "co2_kg IS NULL OR (co2_source IS NOT NULL AND char_length(btrim(co2_source)) > 0)",
            name=op.f("ck_challenges_co2_has_source"),
        ),
    )
    op.create_index("uq_challenges_title_lower", "challenges", [sa.text("lower(title)")], unique=True)
    op.create_index("ix_challenges_title", "challenges", ["title", "id"])
    op.create_index("ix_challenges_category_title", "challenges", ["category", "title", "id"])
    op.create_index("ix_challenges_active_title", "challenges", ["is_active", "title", "id"])

    op.create_table(
        "user_challenges",
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("challenge_id", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("percent", sa.SmallInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("points_awarded", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("user_id", "challenge_id", name="pk_user_challenges"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_user_challenges_user_id_users")),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"], ondelete="RESTRICT",
                                name=op.f("fk_user_challenges_challenge_id_challenges")),
        sa.CheckConstraint(_one_of("status", STATUSES), name=op.f("ck_user_challenges_status_known")),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name=op.f("ck_user_challenges_percent_range")),
        sa.CheckConstraint("points_awarded BETWEEN 0 AND 1000", name=op.f("ck_user_challenges_points_awarded_range")),
        sa.CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)",
                           name=op.f("ck_user_challenges_completed_at_iff_completed")),
        sa.CheckConstraint("status <> 'completed' OR percent = 100", name=op.f("ck_user_challenges_completed_is_full")),
        sa.CheckConstraint("status = 'completed' OR points_awarded = 0",
                           name=op.f("ck_user_challenges_points_only_when_completed")),
    )
    op.create_index(
        "ix_user_challenges_completed_by_user", "user_challenges", ["user_id"],
        postgresql_where=sa.text("status = 'completed'"),
        postgresql_include=["points_awarded", "completed_at", "challenge_id"],
    )
    op.create_index(
        "ix_user_challenges_completed_at", "user_challenges", ["completed_at"],
        postgresql_where=sa.text("status = 'completed'"),
        postgresql_include=["user_id", "points_awarded", "challenge_id"],
    )
    op.create_index("ix_user_challenges_challenge", "user_challenges", ["challenge_id", "status"])

    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("leaderboard_hide_names", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_preferences")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_user_preferences_user_id_users")),
    )


def downgrade() -> None:
    op.drop_table("user_preferences")
    op.drop_index("ix_user_challenges_challenge", table_name="user_challenges")
    op.drop_index("ix_user_challenges_completed_at", table_name="user_challenges")
    op.drop_index("ix_user_challenges_completed_by_user", table_name="user_challenges")
    op.drop_table("user_challenges")
    op.drop_index("ix_challenges_active_title", table_name="challenges")
    op.drop_index("ix_challenges_category_title", table_name="challenges")
    op.drop_index("ix_challenges_title", table_name="challenges")
    op.drop_index("uq_challenges_title_lower", table_name="challenges")
    op.drop_table("challenges")
