"""Migration 0003: creates what schema.py declares, and its downgrade removes it cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from domain.repositories.mongo.schema import missing_indexes
from domain.repositories.sql.schema import metadata
from domain.infrastructure.migrate import alembic_config

TABLES = {"challenges", "user_challenges", "user_preferences"}


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_migration_matches_the_declared_schema(services):
    with services.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    mine = [d for d in diffs if any(table in repr(d) for table in TABLES)]
    assert mine == []
    assert missing_indexes(services.db) == []


def test_downgrade_removes_the_progress_tables_and_upgrade_brings_them_back(services):
    config = alembic_config(services.engine)
    services.engine.dispose()
    command.downgrade(config, "0001")
    try:
        assert not TABLES & _tables(services.engine)
        assert {"users", "outbox"} <= _tables(services.engine)
    finally:
        command.upgrade(config, "head")
    assert TABLES <= _tables(services.engine)
