"""workshops and the registration ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

`workshops` holds the workshop entity and its seat counter (the capacity rule is decided
here, by one conditional UPDATE, with a CHECK as the safety net). `registration_ledger`
holds the authoritative current state of each learner's registration, so that "already
registered?", "who is first on the waitlist?" and the seat counter change in the same
PostgreSQL transaction; MongoDB keeps the registration documents, their history,
attendance and comments, projected from this ledger through the outbox.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "workshops",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.String(2000), nullable=True),
        sa.Column("place", sa.String(120), nullable=True),
        sa.Column("trainer_id", sa.BigInteger, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("seats_taken", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("waitlisted", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("waitlist_seq", sa.Integer, nullable=False, server_default=sa.text("0")),
        # NULLIF: a capacity of 0 must meet its CHECK, not a division error.
        sa.Column("fill_permille", sa.Integer,
                  sa.Computed("(seats_taken * 1000) / NULLIF(capacity, 0)", persisted=True)),
        sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'scheduled'")),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registrations_ever", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("char_length(title) BETWEEN 3 AND 120", name=op.f("ck_workshops_title_length")),
        sa.CheckConstraint("duration_minutes BETWEEN 15 AND 600", name=op.f("ck_workshops_duration_range")),
        sa.CheckConstraint("capacity BETWEEN 1 AND 500", name=op.f("ck_workshops_capacity_range")),
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name=op.f("ck_workshops_seats_within_capacity")),
        sa.CheckConstraint("waitlisted >= 0 AND waitlist_seq >= 0", name=op.f("ck_workshops_waitlist_not_negative")),
        sa.CheckConstraint("registrations_ever >= 0", name=op.f("ck_workshops_registrations_ever_not_negative")),
        sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name=op.f("ck_workshops_status_known")),
        sa.CheckConstraint(
            "(status = 'cancelled') = (cancel_reason IS NOT NULL AND cancelled_at IS NOT NULL)",
            name=op.f("ck_workshops_cancelled_has_reason"),
        ),
        sa.ForeignKeyConstraint(["trainer_id"], ["users.id"], name=op.f("fk_workshops_trainer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshops")),
    )
    # upcoming / past / cancelled lists: one range scan each, in date order.
    op.create_index("ix_workshops_status_starts", "workshops", ["status", "starts_at", "id"])
    # "mine" (and the foreign key's lookups when a user is touched).
    op.create_index("ix_workshops_trainer_starts", "workshops", ["trainer_id", "starts_at", "id"])
    # Sort by fill rate: the page comes straight off the index, fullest first.
    op.create_index(
        "ix_workshops_status_fill", "workshops",
        ["status", sa.text("fill_permille DESC"), "starts_at", "id"],
    )
    # Title search with ILIKE '%term%'.
    op.create_index(
        "ix_workshops_title_trgm", "workshops", ["title"],
        postgresql_using="gin", postgresql_ops={"title": "gin_trgm_ops"},
    )

    op.create_table(
        "registration_ledger",
        sa.Column("workshop_id", sa.BigInteger, nullable=False),
        sa.Column("learner_id", sa.BigInteger, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("waitlist_position", sa.Integer, nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        sa.Column("attendance", sa.String(16), nullable=True),
        sa.Column("attendance_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attendance_by", sa.BigInteger, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.CheckConstraint("attempt >= 1", name=op.f("ck_registration_ledger_attempt_positive")),
        sa.CheckConstraint(
            "status IN ('confirmed', 'waitlisted', 'cancelled')", name=op.f("ck_registration_ledger_status_known")
        ),
        sa.CheckConstraint(
            "(status = 'waitlisted') = (waitlist_position IS NOT NULL)",
            name=op.f("ck_registration_ledger_waitlist_position_iff_waitlisted"),
        ),
        sa.CheckConstraint(
            "attendance IS NULL OR attendance IN ('present', 'late', 'excused', 'absent')",
            name=op.f("ck_registration_ledger_attendance_known"),
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_registration_ledger_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"], name=op.f("fk_registration_ledger_learner_id_users")),
        sa.PrimaryKeyConstraint("workshop_id", "learner_id", name=op.f("pk_registration_ledger")),
    )
    # First on the waitlist, and the counts per status, for one workshop.
    op.create_index(
        "ix_registration_ledger_workshop_status", "registration_ledger", ["workshop_id", "status", "waitlist_position"]
    )
    op.create_index("ix_registration_ledger_learner", "registration_ledger", ["learner_id", "registered_at"])


def downgrade() -> None:
    op.drop_index("ix_registration_ledger_learner", table_name="registration_ledger")
    op.drop_index("ix_registration_ledger_workshop_status", table_name="registration_ledger")
    op.drop_table("registration_ledger")
    op.drop_index("ix_workshops_title_trgm", table_name="workshops")
    op.drop_index("ix_workshops_status_fill", table_name="workshops")
    op.drop_index("ix_workshops_trainer_starts", table_name="workshops")
    op.drop_index("ix_workshops_status_starts", table_name="workshops")
    op.drop_table("workshops")
    # pg_trgm stays: other schemas or modules may use it, and it holds no data.
