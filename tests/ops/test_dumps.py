"""The data dumps of data/: exported byte for byte, loaded into fresh servers, refused on data."""

from __future__ import annotations

import difflib
import json
import re
import shutil
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text

from domain.clock import fixed_clock
from domain.devdata.dumps import (
    DEMO_CLOCK,
    DUMP_FILES,
    LOCKED_PASSWORD_HASH,
    SQL_DUMPS,
    demo_shift,
    load_dumps,
)
from domain.devdata.export import export_dumps
from domain.devdata.seed import generate_demo, seed_demo
from domain.errors import DumpError
from domain.infrastructure import pgtools
from domain.infrastructure.migrate import ROOT, alembic_config, current_revision, head_revision
from domain.models.paging import PageRequest
from domain.models.users import SYSTEM, Principal, Role
from domain.models.workshops import WorkshopQuery, WorkshopScope
from domain.repositories.mongo.badges import FOREVER_MS
from domain.repositories.mongo.dumps import DumpCollections, shift_dates
from domain.repositories.mongo.schema import missing_indexes
from domain.repositories.sql import schema
from domain.repositories.sql.catalog import DatabaseCatalog
from domain.repositories.sql.dumps import DumpTables, insert_statements, inserted_columns
from domain.repositories.sql.search import search_key
from domain.services.container import Services
from tests.conftest import NOW, TEST_SECRET, make_user, wipe, with_clock
from tests.foundation.conftest import run_module, scratch_database  # noqa: F401 - a fixture used below
from tests.harness import services_for

DATA = ROOT / "data"
DUMPED_TABLES = list(dict.fromkeys(t for dump in SQL_DUMPS for t in dump.tables))


def _login(services: Services, email: str, password: str) -> Principal:
    return services.auth.login(email, password).principal


def _workshop_id(services: Services, title: str) -> int:
    listed = services.workshops.list(SYSTEM, WorkshopQuery(WorkshopScope.UPCOMING), PageRequest()).items
    return next(w.id for w in listed if w.title == title)


def _contents(services: Services) -> dict[str, Any]:
    """Every dumped table (without password hashes), the outbox's identity and every collection."""
    found: dict[str, Any] = {}
    with services.engine.connect() as conn:
        tables = DumpTables(conn)
        for table in DUMPED_TABLES:
            if table is schema.outbox:
                continue
            names = [c.name for c in inserted_columns(table)]
            found[f"table {table.name}"] = [
                {n: v for n, v in zip(names, row, strict=True) if n != "password_hash"} for row in tables.rows(table)
            ]
        found["outbox identity"] = tables.identity_position(schema.outbox)
    documents = DumpCollections(services.db)
    for name in sorted(services.db.list_collection_names()):
        # Compared as dicts: key order is storage detail, the values (dates included) are the data.
        found[f"collection {name}"] = documents.documents(name)
    return found


def test_export_again_writes_the_committed_files_byte_for_byte(settings, tmp_path: Path) -> None:
    report = export_dumps(settings, tmp_path)

    assert sorted(p.name for p in report.files) == sorted(DUMP_FILES)
    for name in DUMP_FILES:
        committed, again = (DATA / name).read_text(), (tmp_path / name).read_text()
        diff = "".join(list(difflib.unified_diff(committed.splitlines(True), again.splitlines(True),
                                                 f"data/{name}", "export", n=1))[:40])
        assert again == committed, f"run 'skillhub dumps export' and commit data/:\n{diff}"
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes()
    assert list(tmp_path.glob("*.tmp")) == []


def test_the_dumps_hold_only_the_locked_password_hash_and_describe_their_layout() -> None:
    for dump in SQL_DUMPS:
        content = (DATA / dump.file).read_text()
        # Every bcrypt hash anywhere in the file is the locked one, once per account.
        assert re.findall(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}", content) == [LOCKED_PASSWORD_HASH] * 15
        assert content.splitlines()[0].startswith("-- SkillHub data dump:")
    for name in ("mongo_registrations.json", "mongo.json"):
        data = json.loads((DATA / name).read_text())
        assert list(data)[0] == "_layout" and data["_layout"]["demo_clock"] == "2026-11-22T09:00:00Z"
        assert sorted(data["_layout"]["collections"]) == sorted(k for k in data if k != "_layout")
        for collection, documents in data.items():
            if collection != "_layout":
                ids = [d["_id"] for d in documents]
                assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_dumps_load_command_fills_fresh_servers_whose_combined_views_show_the_demo(
        fresh: Services, services: Services, tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": fresh.endpoints.database_url, "MONGO_URL": fresh.endpoints.mongo_url,
        "MONGO_DB": fresh.endpoints.mongo_db, "SKILLHUB_SECRET_KEY": TEST_SECRET,
        "SKILLHUB_BCRYPT_ROUNDS": "10", "SKILLHUB_DATA_DIR": str(tmp_path),
    }
    result = run_module("tui.cli", ["dumps", "load", "--from", str(DATA)], env, timeout=120)

    assert result.returncode == 0, result.stderr
    assert "Doctor: no drift, PostgreSQL and MongoDB agree." in result.stdout
    credentials = tmp_path / "demo-credentials.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    password = credentials.read_text().splitlines()[0].removeprefix("password: ")
    assert password in result.stdout and len(password) >= 16
    assert current_revision(fresh.engine) == head_revision() and missing_indexes(fresh.db) == []

    # The trainer's registrations screen: the workshop from PostgreSQL, the rest from MongoDB.
    trainer = _login(fresh, "hugo.bernard@skillhub.demo", password)
    sheet = fresh.registrations.sheet(trainer, _workshop_id(fresh, "Docker from zero"))
    assert sheet.workshop.trainer_id == trainer.user_id
    assert (sheet.workshop.seats_taken, sheet.workshop.waitlisted) == (4, 3)
    assert (sheet.confirmed_total, sheet.waitlist_total, sheet.comments_total) == (4, 3, 1)
    assert [r.waitlist_position for r in sheet.waitlist] == [1, 2, 3]
    assert all(sheet.history[r.id] for r in [*sheet.confirmed, *sheet.waitlist])
    assert sheet.comments[0].body == "Full: three learners on the waitlist, ask for a second date?"

    # The learner's progress screen: challenges from PostgreSQL, badges and history from MongoDB.
    learner = _login(fresh, "lea.dubois@skillhub.demo", password)
    view = fresh.scores.user_progress(learner, learner.user_id)
    assert "steady-streak" in {b.award.badge_code for b in view.badges}
    assert view.timeline.total > 0 and sum(view.weekly.points) > 0
    assert view.score.total == view.score.challenge_points + view.score.badge_points \
        + 10 * view.score.workshops_attended > 0
    # … the very views the demo steps give when played live at the same time.
    generate_demo(services.skillhub)
    assert view == services.scores.user_progress(SYSTEM, learner.user_id)
    assert sheet == services.registrations.sheet(SYSTEM, sheet.workshop.id)

    again = run_module("tui.cli", ["dumps", "load", "--from", str(DATA)], env, timeout=120)
    assert again.returncode == 1
    assert len(again.stderr.splitlines()) == 1
    assert again.stderr.startswith("skillhub: the databases are not empty (")
    assert _login(fresh, "lea.dubois@skillhub.demo", password).user_id == learner.user_id


def test_first_run_seeding_gives_the_data_set_the_demo_steps_make_that_day(services: Services,
                                                                            tmp_path: Path) -> None:
    later = NOW + timedelta(days=10)
    live_services = with_clock(services, later)
    try:
        generate_demo(live_services.skillhub)
        live = _contents(live_services)
    finally:
        live_services.close()
    wipe(services)
    # Three hours into the day: the dumps move by whole days, their "now" stays in the past.
    seeding = services_for(replace(services.settings, data_dir=tmp_path), clock=fixed_clock(later + timedelta(hours=3)),
                             endpoints=services.endpoints)
    try:
        credentials = seed_demo(seeding.skillhub)
        seeded = _contents(seeding)
        assert credentials is not None
        assert _login(seeding, "admin@skillhub.demo", credentials.password).email == "admin@skillhub.demo"
    finally:
        seeding.close()

    assert seeded.keys() == live.keys()
    for key in live:
        assert seeded[key] == live[key], key


def test_psql_loads_both_files_into_an_empty_database_with_the_schema_of_the_migrations(
        scratch_database: Engine, services: Services) -> None:  # noqa: F811 - the imported fixture
    with services.engine.connect() as conn:
        version, number = DatabaseCatalog(conn).server_version()
    psql = pgtools.find_tool("psql", pgtools.server_major(number), version)
    connection = pgtools.Connection.from_url(scratch_database.url.render_as_string(hide_password=False))
    # Either order; loading a file twice changes nothing (IF NOT EXISTS, ON CONFLICT DO NOTHING).
    for name in ("rebootcamp.sql", "skillhub_workshops.sql", "skillhub_workshops.sql"):
        pgtools.run_tool(psql, ["-v", "ON_ERROR_STOP=1", "-q", "-f", str(DATA / name)], connection, 10)

    with scratch_database.connect() as loaded:
        counts = DatabaseCatalog(loaded).row_counts()
        assert {k: v for k, v in counts.items() if v} == {
            "public.users": 15, "public.workshops": 8, "public.registration_ledger": 35,
            "public.challenges": 11, "public.user_challenges": 41,
        }
        assert loaded.execute(text("SELECT nextval(pg_get_serial_sequence('users', 'id'))")).scalar_one() == 16
        assert loaded.execute(text("SELECT nextval(pg_get_serial_sequence('outbox', 'id'))")).scalar_one() > 200
        from_dumps = {table.name: _schema(loaded, table.name) for table in DUMPED_TABLES}
    # The same database, emptied and built by the migrations instead.
    with scratch_database.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(scratch_database), "head")
    with scratch_database.connect() as migrated:
        for table in DUMPED_TABLES:
            assert from_dumps[table.name] == _schema(migrated, table.name), table.name


def _schema(conn: Connection, table: str) -> dict[str, list[tuple[Any, ...]]]:
    """Columns, constraints and indexes of `table`, as the server describes them."""
    return {
        "columns": [tuple(r) for r in conn.execute(text(
            "SELECT column_name, data_type, udt_name, is_nullable, column_default, is_identity, identity_generation, "
            "is_generated, generation_expression, character_maximum_length, numeric_precision, numeric_scale "
            "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = :t ORDER BY ordinal_position"
        ), {"t": table})],
        "constraints": [tuple(r) for r in conn.execute(text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) ORDER BY conname"
        ), {"t": table})],
        "indexes": [tuple(r) for r in conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = :t "
            "ORDER BY indexname"
        ), {"t": table})],
    }


@pytest.mark.parametrize("holding", ["a PostgreSQL row", "a MongoDB document"])
def test_load_refuses_databases_that_hold_data_and_changes_nothing(services: Services, holding: str) -> None:
    if holding == "a PostgreSQL row":
        make_user(services, "someone@example.org", Role.LEARNER)
    else:
        services.db["comments"].insert_one({"_id": "stray", "body": "left over"})
    before = _contents(services)

    with pytest.raises(DumpError, match=r"^the databases are not empty \(.*\): dumps load only into empty databases$"):
        load_dumps(services.skillhub, DATA)

    assert _contents(services) == before


def test_load_refuses_a_document_that_breaks_its_validator_before_writing_anything(services: Services,
                                                                                   tmp_path: Path) -> None:
    for name in DUMP_FILES:
        shutil.copy(DATA / name, tmp_path / name)
    path = tmp_path / "mongo.json"
    path.write_text(path.read_text().replace('"percent": 50,', '"percent": "half",', 1))

    with pytest.raises(DumpError, match=r"mongo\.json: progress_events document 'progress:\d+': percent must be"):
        load_dumps(services.skillhub, tmp_path)

    assert DumpCollections(services.db).counts().get("progress_events", 0) == 0
    with services.uow() as uow:
        assert DumpTables(uow.conn).row_counts()["public.users"] == 0


def test_load_names_a_missing_file(services: Services, tmp_path: Path) -> None:
    with pytest.raises(DumpError, match=r"^no .*skillhub_workshops\.sql: run 'skillhub dumps export' or pass --from DIR$"):
        load_dumps(services.skillhub, tmp_path)


def test_sql_text_of_awkward_values_reads_back_the_same(services: Services) -> None:
    stamps = [NOW, NOW + timedelta(microseconds=1500)]
    email, name = "o'brien@example.org", "Ann O'Brien \\ 100% :name %(x)s \"q\"\nsecond line"
    row = (41, email, name, LOCKED_PASSWORD_HASH, "learner", False, stamps, None, NOW, NOW + timedelta(days=1),
           search_key(email), search_key(name))
    with services.uow() as uow:
        tables = DumpTables(uow.conn)
        tables.run_script("\n".join(insert_statements(schema.users, [row])))
        assert tables.rows(schema.users) == [row]


def test_date_shift_moves_dates_and_their_copies_but_not_free_text() -> None:
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    document = {
        "_id": "x", "at": at, "day": "2026-11-01", "details": {"starts_at": at.isoformat(), "note": "see 2026-11-01"},
        "awarded_ms": 1_000, "counts_until_ms": FOREVER_MS, "points": 1_000, "list": [at],
    }
    shifted = shift_dates(document, timedelta(days=3))
    later = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    assert shifted == {
        "_id": "x", "at": later, "day": "2026-11-04", "details": {"starts_at": later.isoformat(), "note": "see 2026-11-01"},
        "awarded_ms": 1_000 + 3 * 86_400_000, "counts_until_ms": FOREVER_MS, "points": 1_000, "list": [later],
    }


def test_demo_shift_is_whole_days_and_never_dates_the_demo_after_now() -> None:
    assert demo_shift(DEMO_CLOCK) == timedelta(0)
    assert demo_shift(DEMO_CLOCK + timedelta(days=40, hours=23)) == timedelta(days=40)
    assert demo_shift(DEMO_CLOCK - timedelta(hours=1)) == timedelta(days=-1)


def _instants_of_changes(services: Services) -> dict[str, Any]:
    """For each action of the demo's activity log: the instant of the change an entry describes."""
    with services.engine.connect() as conn:
        def column(table: str, name: str) -> dict[str, datetime]:
            return {str(row[0]): row[1] for row in conn.execute(text(f"SELECT id, {name} FROM {table}"))}

        users, workshops = column("users", "created_at"), column("workshops", "created_at")
        cancelled, challenges = column("workshops", "cancelled_at"), column("challenges", "created_at")
    db = services.db
    events = list(db["registration_events"].find({}))

    def event_at(entry: dict[str, Any], **match: Any) -> datetime | None:
        found = {e["at"] for e in events if e["workshop_id"] == int(entry["entity_id"])
                 and e["learner_id"] == entry["details"]["learner_id"]
                 and all(e.get(k) == v for k, v in match.items())}
        assert len(found) == 1, (entry, found)
        return found.pop()

    def attendance_at(entry: dict[str, Any]) -> datetime:
        found = {r["attendance_at"] for r in db["registrations"].find({"workshop_id": int(entry["entity_id"])})
                 if r.get("attendance_at") is not None}
        assert len(found) == 1, (entry, found)
        return found.pop()

    def comment_at(entry: dict[str, Any]) -> datetime:
        found = {c["at"] for c in db["comments"].find({"workshop_id": int(entry["entity_id"])})
                 if len(c["body"]) == entry["details"]["chars"]}
        assert len(found) == 1, (entry, found)
        return found.pop()

    def reset_at(entry: dict[str, Any]) -> datetime:
        user_id, challenge_id = map(int, entry["entity_id"].split(":"))
        return db["progress_events"].find_one({"kind": "reset", "user_id": user_id, "challenge_id": challenge_id})["at"]

    return {
        "user.create": lambda e: users[e["entity_id"]],
        "workshop.create": lambda e: workshops[e["entity_id"]],
        "workshop.cancel": lambda e: cancelled[e["entity_id"]],
        "workshop.comment": comment_at,
        "registration.create": lambda e: event_at(
            e, registration_id=f"w{e['entity_id']}:l{e['details']['learner_id']}:{e['details']['attempt']}",
            from_status=None),
        "registration.cancel": lambda e: event_at(e, to_status="cancelled", from_status=e["details"]["was"],
                                                  reason=e["details"]["reason"]),
        "registration.attendance": attendance_at,
        "challenge.create": lambda e: challenges[e["entity_id"]],
        "badge.change": lambda e: db["badges"].find_one({"_id": e["entity_id"]})["updated_at"],
        "badge.award": lambda e: db["badge_awards"].find_one({"_id": e["entity_id"]})["awarded_at"],
        "progress.reset": reset_at,
    }


def test_every_activity_entry_of_the_dumps_carries_the_instant_of_its_change(services: Services) -> None:
    load_dumps(services.skillhub, DATA)
    instant_of = _instants_of_changes(services)
    entries = list(services.db["activity_logs"].find({}))

    unknown = sorted({e["action"] for e in entries} - set(instant_of))
    assert unknown == [], f"say where the change of these actions is dated: {unknown}"
    wrong = [(e["_id"], e["action"], e["at"], instant_of[e["action"]](e)) for e in entries
             if e["at"] != instant_of[e["action"]](e)]
    assert wrong == []
    # The log spans the weeks the demo's registrations do, not one instant.
    assert min(e["at"] for e in entries) <= DEMO_CLOCK - timedelta(days=30)


def test_a_service_copied_with_another_clock_dates_its_activity_entry_with_that_clock(
        services: Services, trainer: Principal, learner: Principal) -> None:
    from domain.models.workshops import WorkshopInput

    booked = NOW - timedelta(days=20)
    workshops = services.workshops.with_clock(fixed_clock(booked))
    workshop = workshops.create(trainer, WorkshopInput(
        title="Clocks", trainer_id=trainer.user_id, starts_at=NOW + timedelta(days=3), duration_minutes=60,
        capacity=5, description="", place="Online"))
    services.registrations.with_clock(fixed_clock(booked + timedelta(hours=1))).register(learner, workshop.id)

    logged = {e["action"]: e["at"] for e in services.db["activity_logs"].find({"entity": "workshop"})}
    assert logged == {"workshop.create": booked, "registration.create": booked + timedelta(hours=1)}
