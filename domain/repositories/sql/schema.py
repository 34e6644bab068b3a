"""The relational schema, declared once; Alembic migrations create it on the server.

SQLAlchemy Core tables (not ORM classes): the services need a few precise statements,
such as the atomic conditional seat update, and plain dataclasses come back from the
repositories, so there is no session state to reason about.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Sequence,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def search_key_column(column: str) -> Column[str]:
    """The search key of a text column (`repositories/sql/search.py`), written with it."""
    return Column(f"{column}_search", Text, nullable=False)


def search_key_index(table: str, column: str) -> Index:
    """The trigram index that serves `contains()` on a text column's search key."""
    key = f"{column}_search"
    return Index(f"ix_{table}_{key}_trgm", key, postgresql_using="gin", postgresql_ops={key: "gin_trgm_ops"})


users = Table(
    "users",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("full_name", String(120), nullable=False),
    Column("password_hash", String(60), nullable=False),
    Column("role", String(16), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    # Times of the recent consecutive failed logins (at most five, within the lockout window).
    Column("recent_failures", ARRAY(DateTime(timezone=True)), nullable=False, server_default=text("'{}'")),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    search_key_column("email"),
    search_key_column("full_name"),
    CheckConstraint("role IN ('admin', 'trainer', 'learner')", name="role_known"),
    Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    Index("ix_users_role_name", "role", "full_name"),
    search_key_index("users", "email"),
    search_key_index("users", "full_name"),
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

# Workshops (issue 3). The seat counter lives on the workshop row: one conditional UPDATE
# (`seats_taken < capacity`) takes a seat atomically, and the CHECK is the safety net.
workshops = Table(
    "workshops",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("title", String(120), nullable=False),
    Column("description", String(2000), nullable=True),
    Column("place", String(120), nullable=True),
    Column("trainer_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("seats_taken", Integer, nullable=False, server_default=text("0")),
    Column("waitlisted", Integer, nullable=False, server_default=text("0")),
    # Last waitlist position handed out: positions only grow, so order is arrival order.
    Column("waitlist_seq", Integer, nullable=False, server_default=text("0")),
    # NULLIF: a capacity of 0 must meet its CHECK, not a division error.
    Column("fill_permille", Integer, Computed("(seats_taken * 1000) / NULLIF(capacity, 0)", persisted=True)),
    Column("status", String(16), nullable=False, server_default=text("'scheduled'")),
    Column("cancel_reason", String(500), nullable=True),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
    # Never decreases: a workshop anyone ever registered to keeps its history, so no delete.
    Column("registrations_ever", Integer, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    search_key_column("title"),
    CheckConstraint("char_length(title) BETWEEN 3 AND 120", name="title_length"),
    CheckConstraint("duration_minutes BETWEEN 15 AND 600", name="duration_range"),
    CheckConstraint("capacity BETWEEN 1 AND 500", name="capacity_range"),
    CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
    CheckConstraint("waitlisted >= 0 AND waitlist_seq >= 0", name="waitlist_not_negative"),
    CheckConstraint("registrations_ever >= 0", name="registrations_ever_not_negative"),
    CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
    CheckConstraint(
        "(status = 'cancelled') = (cancel_reason IS NOT NULL AND cancelled_at IS NOT NULL)", name="cancelled_has_reason"
    ),
    Index("ix_workshops_status_starts", "status", "starts_at", "id"),
    Index("ix_workshops_trainer_starts", "trainer_id", "starts_at", "id"),
    Index("ix_workshops_status_fill", "status", text("fill_permille DESC"), "starts_at", "id"),
    search_key_index("workshops", "title"),
)

# The authoritative current state of each learner's registration to a workshop (one row
# per workshop and learner, the latest attempt). It lives next to the seat counter so the
# seat, the waitlist order and "already registered?" change in one transaction; MongoDB
# keeps the registration documents (every attempt), their history, attendance and comments,
# projected from these rows through the outbox (`version` orders the projections).
registration_ledger = Table(
    "registration_ledger",
    metadata,
    Column("workshop_id", BigInteger, ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    Column("learner_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("attempt", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("waitlist_position", Integer, nullable=True),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("cancel_reason", String(500), nullable=True),
    Column("attendance", String(16), nullable=True),
    Column("attendance_at", DateTime(timezone=True), nullable=True),
    Column("attendance_by", BigInteger, nullable=True),
    Column("version", Integer, nullable=False, server_default=text("1")),
    CheckConstraint("attempt >= 1", name="attempt_positive"),
    CheckConstraint("status IN ('confirmed', 'waitlisted', 'cancelled')", name="status_known"),
    CheckConstraint("(status = 'waitlisted') = (waitlist_position IS NOT NULL)", name="waitlist_position_iff_waitlisted"),
    CheckConstraint(
        "attendance IS NULL OR attendance IN ('present', 'late', 'excused', 'absent')", name="attendance_known"
    ),
    Index("ix_registration_ledger_workshop_status", "workshop_id", "status", "waitlist_position"),
    Index("ix_registration_ledger_learner", "learner_id", "registered_at"),
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
    search_key_column("title"),
    search_key_column("description"),
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
    search_key_index("challenges", "title"),
    search_key_index("challenges", "description"),
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
    # The learner's own name shown to other learners as HIDDEN_NAME; last, where migration 0007 adds it.
    Column("leaderboard_hide_my_name", Boolean, nullable=False, server_default=text("false")),
)

# --- The leaderboard's maintained figures (issue 11) ---------------------------------------

# Every point a learner holds, one row per thing that earns points: a completed challenge
# (`challenge`), a badge award (`badge`, whether it still counts or not: `until` says when
# it stops, NULL for never), an attended registration (`workshop`). A copy of the sources
# (user_challenges; badge_awards and registrations in MongoDB) that period and category
# boards sum in one indexed query. Rewritten per learner and source from the sources
# (`domain/services/score_keeper.py`), never incremented.
score_points = Table(
    "score_points",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(16), nullable=False),
    # The challenge id, award id or registration document id.
    Column("ref", String(80), nullable=False),
    # When the points were earned: completed_at, awarded_at (to the millisecond, as MongoDB
    # keeps it), the workshop's start (NULL when PostgreSQL has no such workshop).
    Column("at", DateTime(timezone=True), nullable=True),
    Column("category", String(16), nullable=True),
    Column("points", Integer, nullable=False),
    Column("until", DateTime(timezone=True), nullable=True),
    # A workshop counts in a period only while it is scheduled; the rest always do.
    Column("in_period", Boolean, nullable=False),
    Column("workshop_id", BigInteger, nullable=True),
    PrimaryKeyConstraint("user_id", "source", "ref", name="pk_score_points"),
    CheckConstraint("source IN ('challenge', 'badge', 'workshop')", name="source_known"),
    Index("ix_score_points_at", "at", postgresql_include=["user_id", "source", "points", "category", "until",
                                                          "in_period"]),
    Index("ix_score_points_category_at", "category", "at",
          postgresql_include=["user_id", "source", "points", "until"]),
    Index("ix_score_points_workshop", "workshop_id", postgresql_where=text("workshop_id IS NOT NULL")),
)

# Each user's all-time score parts, summed from `score_points` as of `computed_at`. The
# badge part changes by itself when an award stops counting: the row is right for any
# moment in [valid_from, valid_until) (the counted awards' end times around computed_at)
# and is recomputed from `score_points` before a board is read outside that window.
# `ranked` copies "active learner" from `users`, so the board and the ranks read this
# table's index alone.
learner_scores = Table(
    "learner_scores",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("ranked", Boolean, nullable=False),
    Column("challenge_points", Integer, nullable=False, server_default=text("0")),
    Column("completed", Integer, nullable=False, server_default=text("0")),
    Column("badge_points", Integer, nullable=False, server_default=text("0")),
    Column("workshops_attended", Integer, nullable=False, server_default=text("0")),
    Column("total", Integer, nullable=False, server_default=text("0")),
    Column("last_point_at", DateTime(timezone=True), nullable=True),
    Column("valid_from", DateTime(timezone=True), nullable=True),
    Column("valid_until", DateTime(timezone=True), nullable=True),
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The order the board shows: score, then who reached it first, then id.
    Index("ix_learner_scores_board", text("total DESC"), text("last_point_at ASC NULLS LAST"), "user_id",
          postgresql_where=text("ranked")),
    Index("ix_learner_scores_valid_until", "valid_until", postgresql_where=text("valid_until IS NOT NULL")),
    Index("ix_learner_scores_valid_from", "valid_from", postgresql_where=text("valid_from IS NOT NULL")),
)

# --- SSH public keys (issue 12) ----------------------------------------------------------

# OpenSSH public keys that log their owner in to `skillhub ssh serve` without a password.
# A key belongs to one account at most (the fingerprint is unique): a key offered at login
# then names exactly one person.
ssh_keys = Table(
    "ssh_keys",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key_type", String(40), nullable=False),
    Column("bits", Integer, nullable=False),
    # OpenSSH's "SHA256:" + 43 base64 characters.
    Column("fingerprint", String(64), nullable=False),
    Column("public_key", String(20000), nullable=False),
    Column("comment", String(200), nullable=False, server_default=text("''")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("key_type IN ('ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', "
                    "'ecdsa-sha2-nistp521', 'ssh-rsa')", name="key_type_known"),
    CheckConstraint("key_type <> 'ssh-rsa' OR bits >= 3072", name="rsa_strong_enough"),
    CheckConstraint("fingerprint LIKE 'SHA256:%'", name="fingerprint_sha256"),
    Index("uq_ssh_keys_fingerprint", "fingerprint", unique=True),
    Index("ix_ssh_keys_user", "user_id", "created_at"),
)

# --- Bulk actions and undo (issue 14) ------------------------------------------------------

# What each undoable change did, one row per changed row of a batch (a single action is a batch
# of one), with what undo needs to take it back. In PostgreSQL, next to the rows it describes:
# the change and its journal row commit together, and an undo locks the journal rows it takes
# back (`undone_by` set once), so the same change is never undone twice.
# Batch ids: a sequence rather than random ids, so a fresh database that makes the same changes
# (the demo) gives the same ids.
change_batch_seq = Sequence("change_batch_seq", metadata=metadata)

change_journal = Table(
    "change_journal",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("batch_id", String(32), nullable=False),
    Column("row_no", Integer, nullable=False),
    Column("action", String(64), nullable=False),
    Column("workshop_id", BigInteger, nullable=True),
    Column("subject_id", BigInteger, nullable=False),
    Column("actor_id", BigInteger, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("before", JSONB, nullable=False),
    Column("after", JSONB, nullable=False),
    Column("undone_by", String(32), nullable=True),
    Column("undone_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("row_no >= 0", name="row_no_positive"),
    Index("uq_change_journal_batch_row", "batch_id", "row_no", unique=True),
    Index("ix_change_journal_actor_at", "actor_id", "at"),
)
