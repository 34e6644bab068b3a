"""The relational schema, declared once; Alembic migrations create it on the server.

SQLAlchemy Core tables (not ORM classes): the services need a few precise statements,
such as the atomic conditional seat update, and plain dataclasses come back from the
repositories, so there is no session state to reason about.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
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
    # Times of the recent consecutive failed logins (at most five, within the lockout window).
    Column("recent_failures", ARRAY(DateTime(timezone=True)), nullable=False, server_default=text("'{}'")),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("role IN ('admin', 'trainer', 'learner')", name="role_known"),
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
