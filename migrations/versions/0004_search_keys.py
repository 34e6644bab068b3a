"""search keys: case-insensitive search for all of Unicode, index-backed

Adds a `<column>_search` companion to every searched text column (users' name and email,
workshop titles, challenge titles and descriptions), fills it from the rows already there,
and indexes it with pg_trgm; the workshops' trigram index on the raw title goes (the
key's index replaces it). See `domain/repositories/sql/search.py` for what a key holds.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.repositories.sql.search import refresh_search_keys

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = {"users": ("email", "full_name"), "workshops": ("title",), "challenges": ("title", "description")}


def _table(name: str, columns: tuple[str, ...]) -> sa.Table:
    """Just the columns the backfill reads and writes (the migration must not depend on today's schema)."""
    return sa.Table(name, sa.MetaData(), sa.Column("id", sa.BigInteger, primary_key=True),
                    *(sa.Column(c, sa.Text) for c in columns), *(sa.Column(f"{c}_search", sa.Text) for c in columns))


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in SEARCHED.items():
        for column in columns:
            op.add_column(table, sa.Column(f"{column}_search", sa.Text, nullable=True))
        refresh_search_keys(op.get_bind(), _table(table, columns), columns)
        for column in columns:
            op.alter_column(table, f"{column}_search", nullable=False)
            op.create_index(f"ix_{table}_{column}_search_trgm", table, [f"{column}_search"],
                            postgresql_using="gin", postgresql_ops={f"{column}_search": "gin_trgm_ops"})
    op.drop_index("ix_workshops_title_trgm", table_name="workshops")


def downgrade() -> None:
    op.create_index("ix_workshops_title_trgm", "workshops", ["title"],
                    postgresql_using="gin", postgresql_ops={"title": "gin_trgm_ops"})
    for table, columns in SEARCHED.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}_search_trgm", table_name=table)
            op.drop_column(table, f"{column}_search")
