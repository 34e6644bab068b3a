"""Schema migrations on real PostgreSQL and the idempotent MongoDB init."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from domain.repositories.mongo.schema import all_collections, init_mongo, missing_indexes
from domain.repositories.sql.schema import metadata
from domain.infrastructure.connections import Endpoints, make_mongo_client
from domain.infrastructure.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.conftest import TEST_SECRET
from tests.foundation.conftest import run_module

TABLES = set(metadata.tables)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_alembic_upgrade_downgrade_base_and_upgrade_again(scratch_database: Engine) -> None:
    cfg = alembic_config(scratch_database)
    head = head_revision()

    command.upgrade(cfg, "head")
    assert current_revision(scratch_database) == head
    assert _tables(scratch_database) == TABLES

    command.downgrade(cfg, "base")
    assert current_revision(scratch_database) is None
    assert _tables(scratch_database) == set()

    command.upgrade(cfg, "head")
    assert current_revision(scratch_database) == head
    assert _tables(scratch_database) == TABLES


def test_migrated_schema_matches_the_declared_metadata(scratch_database: Engine) -> None:
    command.upgrade(alembic_config(scratch_database), "head")
    with scratch_database.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrated_schema_enforces_case_insensitive_unique_email(scratch_database: Engine) -> None:
    command.upgrade(alembic_config(scratch_database), "head")
    insert = text(
        "INSERT INTO users (email, full_name, password_hash, role, email_search, full_name_search)"
        " VALUES (:email, 'X', 'h', 'learner', '', '')"
    )
    with scratch_database.begin() as conn:
        conn.execute(insert, {"email": "Someone@Example.org"})
    with pytest.raises(Exception, match="uq_users_email_lower"):
        with scratch_database.begin() as conn:
            conn.execute(insert, {"email": "someone@example.ORG"})


def test_db_upgrade_function_is_a_no_op_the_second_time(scratch_database: Engine, migrated: Endpoints) -> None:
    client = make_mongo_client(migrated.mongo_url, 3)
    mongo_db = client[f"skillhub_upgrade_{uuid.uuid4().hex[:8]}"]
    try:
        first = upgrade(scratch_database, mongo_db)
        assert first.changed
        assert first.postgres_before is None and first.postgres_after == head_revision()
        assert first.mongo_actions

        second = upgrade(scratch_database, mongo_db)
        assert not second.changed
        assert second.postgres_before == second.postgres_after == head_revision()
        assert second.mongo_actions == []
        assert second.lines()[0].startswith("PostgreSQL: already at head")
    finally:
        client.drop_database(mongo_db.name)
        client.close()


def test_skillhub_db_upgrade_cli_is_a_no_op_on_a_migrated_database(
    migrated: Endpoints, tmp_path: Path
) -> None:
    settings = {
        "DATABASE_URL": migrated.database_url,
        "MONGO_URL": migrated.mongo_url,
        "MONGO_DB": migrated.mongo_db,
        "SKILLHUB_SECRET_KEY": TEST_SECRET,
        "SKILLHUB_DATA_DIR": str(tmp_path),
    }
    result = run_module("tui.cli", ["db", "upgrade"], settings)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"PostgreSQL: already at head ({head_revision()})",
        "MongoDB: collections, validators and indexes already in place",
    ]
    # Both URLs set: nothing embedded is started, no key is generated; only the log is written.
    assert [p.name for p in tmp_path.iterdir()] == ["logs"]


def test_mongo_init_creates_every_collection_and_index_then_changes_nothing(migrated: Endpoints) -> None:
    client = make_mongo_client(migrated.mongo_url, 3)
    db = client[f"skillhub_init_{uuid.uuid4().hex[:8]}"]
    try:
        first = init_mongo(db)
        specs = all_collections()
        assert {f"created collection {s.name}" for s in specs} <= set(first)
        assert set(db.list_collection_names()) >= {s.name for s in specs}
        for spec in specs:
            # nx-27017 names indexes its own way: compare key patterns, not names.
            patterns = {tuple(ix["key"].keys()) for ix in db[spec.name].list_indexes()}
            assert {ix.key_pattern() for ix in spec.indexes} <= patterns, spec.name
        assert missing_indexes(db) == []
        ttl = [ix for ix in db["revoked_tokens"].list_indexes() if tuple(ix["key"].keys()) == ("expires_at",)]
        assert [ix.get("expireAfterSeconds") for ix in ttl] == [0]

        assert init_mongo(db) == []
        index_counts = {s.name: len(list(db[s.name].list_indexes())) for s in specs}
        init_mongo(db)
        assert {s.name: len(list(db[s.name].list_indexes())) for s in specs} == index_counts
    finally:
        client.drop_database(db.name)
        client.close()


def test_mongo_init_recreates_a_dropped_index(migrated: Endpoints) -> None:
    client = make_mongo_client(migrated.mongo_url, 3)
    db = client[f"skillhub_init_{uuid.uuid4().hex[:8]}"]
    try:
        init_mongo(db)
        events = db["auth_events"]
        email_index = next(ix["name"] for ix in events.list_indexes() if tuple(ix["key"].keys()) == ("email", "at"))
        events.drop_index(email_index)
        assert missing_indexes(db) == ["auth_events.email_at"]

        assert init_mongo(db) == ["created index auth_events.email_at"]
        assert missing_indexes(db) == []
    finally:
        client.drop_database(db.name)
        client.close()


def test_plain_alembic_command_reads_the_url_from_skillhub_settings(
    scratch_database: Engine, migrated: Endpoints
) -> None:
    settings = {
        "DATABASE_URL": scratch_database.url.render_as_string(hide_password=False),
        "MONGO_URL": migrated.mongo_url,
        "SKILLHUB_SECRET_KEY": TEST_SECRET,
    }
    for step in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"]):
        result = run_module("alembic", ["-c", "alembic.ini", *step], settings)
        assert result.returncode == 0, result.stderr
        expected = set() if step == ["downgrade", "base"] else TABLES
        assert _tables(scratch_database) == expected
    assert current_revision(scratch_database) == head_revision()
