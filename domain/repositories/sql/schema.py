"""The relational schema, declared once; Alembic migrations create it on the server.

SQLAlchemy Core tables (not ORM classes): the services need a few precise statements,
such as the atomic conditional seat update, and plain dataclasses come back from the
repositories, so there is no session state to reason about.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    func,
    text,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("full_name", String(120), nullable=False),
    Column("password_hash", String(60), nullable=False),
    Column("role", String(16), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    Column("failed_logins", Integer, nullable=False, server_default=text("0")),
    Column("first_failed_at", DateTime(timezone=True), nullable=True),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("role IN ('admin', 'trainer', 'learner')", name="role_known"),
    CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
    Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    Index("ix_users_role_name", "role", "full_name"),
)

# The transactional outbox: a change to MongoDB that must follow a PostgreSQL change is
# written here in the same transaction, then applied to MongoDB idempotently by the relay
# (after commit, at start-up, and by `skillhub doctor --repair`).
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("applied_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", String(500), nullable=True),
    Index("ix_outbox_pending", "id", postgresql_where=text("applied_at IS NULL")),
)

# --- Progress and badges (issue 4) ------------------------------------------------------

CHALLENGE_CATEGORIES = ("energy", "waste", "mobility", "food", "water", "digital")
CHALLENGE_DIFFICULTIES = ("easy", "medium", "hard")
PROGRESS_STATUSES = ("started", "completed", "reset")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


challenges = Table(
    "challenges",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("title", String(120), nullable=False),
    Column("description", String(2000), nullable=False, server_default=text("''")),
    Column("category", String(16), nullable=False),
    Column("points", Integer, nullable=False),
    Column("difficulty", String(8), nullable=False),
    Column("co2_kg", Numeric(10, 2), nullable=True),
    Column("co2_source", String(300), nullable=True),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    Column("created_by", BigInteger, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("char_length(title) BETWEEN 3 AND 120", name="title_length"),
    CheckConstraint(_one_of("category", CHALLENGE_CATEGORIES), name="category_known"),
    CheckConstraint("points BETWEEN 1 AND 1000", name="points_range"),
    CheckConstraint(_one_of("difficulty", CHALLENGE_DIFFICULTIES), name="difficulty_known"),
    CheckConstraint("co2_kg IS NULL OR co2_kg >= 0", name="co2_not_negative"),
    # An estimate without its source cannot be trusted or explained.
    CheckConstraint("co2_kg IS NULL OR (co2_source IS NOT NULL AND char_length(btrim(co2_source)) > 0)",
                    name="co2_has_source"),
    Index("uq_challenges_title_lower", func.lower(text("title")), unique=True),
    Index("ix_challenges_title", "title", "id"),
    Index("ix_challenges_category_title", "category", "title", "id"),
    Index("ix_challenges_active_title", "is_active", "title", "id"),
)

# Current state of each learner's challenges; the history of every step is in MongoDB
# (`progress_events`), fed through the outbox in the same transaction as this row.
user_challenges = Table(
    "user_challenges",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("challenge_id", BigInteger, ForeignKey("challenges.id", ondelete="RESTRICT"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("percent", SmallInteger, nullable=False, server_default=text("0")),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("points_awarded", Integer, nullable=False, server_default=text("0")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("user_id", "challenge_id", name="pk_user_challenges"),
    CheckConstraint(_one_of("status", PROGRESS_STATUSES), name="status_known"),
    CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
    CheckConstraint("points_awarded BETWEEN 0 AND 1000", name="points_awarded_range"),
    CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)", name="completed_at_iff_completed"),
    CheckConstraint("status <> 'completed' OR percent = 100", name="completed_is_full"),
    CheckConstraint("status = 'completed' OR points_awarded = 0", name="points_only_when_completed"),
    # The leaderboard's GROUP BY user_id over completed rows, answered from the index alone.
    Index("ix_user_challenges_completed_by_user", "user_id",
          postgresql_where=text("status = 'completed'"),
          postgresql_include=["points_awarded", "completed_at", "challenge_id"]),
    # The "last 30 days" and "this week" boards start from the completion date.
    Index("ix_user_challenges_completed_at", "completed_at",
          postgresql_where=text("status = 'completed'"),
          postgresql_include=["user_id", "points_awarded", "challenge_id"]),
    Index("ix_user_challenges_challenge", "challenge_id", "status"),
)

# Small per-user settings (the leaderboard privacy switch). A table rather than a MongoDB
# document: it is typed, belongs to exactly one row of `users` and goes when that user goes.
user_preferences = Table(
    "user_preferences",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("leaderboard_hide_names", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
