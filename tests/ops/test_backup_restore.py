"""Backup, verification and restore against the real test servers."""

from __future__ import annotations

import errno
import json
import re
import stat
import subprocess
import tarfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import bson
import pytest

from domain.bootstrap import backup_service
from domain.errors import (
    ArchiveError,
    DatabaseUnavailable,
    PermissionDenied,
    PgToolError,
    RestoreCancelled,
    RestoreFailed,
    StorageError,
)
from domain.infrastructure import backup_archive, pgtools
from domain.infrastructure.backup_archive import archives, read_manifest
from domain.infrastructure.migrate import current_revision, head_revision
from domain.models.paging import PageRequest
from domain.models.users import SYSTEM, Principal
from domain.repositories.mongo.archive import CollectionArchive, decode
from domain.repositories.mongo.bson_values import CODEC
from domain.repositories.mongo.schema import missing_indexes
from domain.repositories.sql.outbox import OutboxRepository
from domain.services.backup import BACKUP_ACTION, RESTORE_ACTION, BackupService
from domain.services.backup_reports import Progress
from domain.services.container import Services
from tests.conftest import TEST_PASSWORD
from tests.ops.helpers import PROBE, fingerprint, mutate, replace_member, rewrite_archive, take_entries


def test_round_trip_restores_every_table_and_collection_exactly(seeded: Services, backups: BackupService) -> None:
    before = fingerprint(seeded.engine, seeded.db)
    assert f"pg:public.{PROBE}" in before and f"mongo:{PROBE}" in before

    result = backups.create(SYSTEM)
    mutate(seeded)
    assert fingerprint(seeded.engine, seeded.db) != before

    report = backups.restore(SYSTEM, result.path)

    assert report.ok, report.lines()
    # The restore's own entry is written after the data is back; the backup's is not in the archive.
    restored = take_entries(seeded, RESTORE_ACTION)
    assert [(e["entity_id"], e["details"]["outcome"]) for e in restored] == [(result.path.name, "ok")]
    assert take_entries(seeded, BACKUP_ACTION) == []
    assert fingerprint(seeded.engine, seeded.db) == before
    assert current_revision(seeded.engine) == head_revision()
    assert missing_indexes(seeded.db) == []
    assert report.dropped_collections == ["stray"]
    assert report.drift == []
    # The identity sequences came back too: a new row does not collide with a restored one.
    restored_ids = {u.id for u in seeded.users.list(SYSTEM, PageRequest(1, 100)).items}
    created = seeded.users.create(SYSTEM, "after@example.org", "After Restore", "learner", TEST_PASSWORD)
    assert created.id > max(restored_ids)


def test_archive_is_private_and_its_manifest_describes_every_file(seeded: Services, backups: BackupService) -> None:
    logged_before = seeded.db["activity_logs"].count_documents({})
    result = backups.create(SYSTEM)

    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert result.path.name.startswith("skillhub-") and result.path.name.endswith("Z.tar.gz")
    with tarfile.open(result.path, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        activity = bson.decode_all(tar.extractfile("mongo/activity_logs.bson").read(), CODEC)  # type: ignore[union-attr]
        layout = decode(tar.extractfile("mongo/activity_logs.layout.json").read())  # type: ignore[union-attr]
    assert names[0] == "manifest.json"
    assert sorted(names[1:]) == sorted(manifest["files"])
    assert manifest["alembic_revision"] == head_revision()
    assert manifest["postgres"]["tables"]["public.users"] == 8
    assert manifest["postgres"]["tables"][f"public.{PROBE}"] == 2
    assert manifest["mongo"]["collections"][PROBE]["documents"] == 3
    assert manifest["mongo"]["collections"]["activity_logs"]["documents"] == len(activity) == logged_before
    assert manifest["postgres"]["server_version"] and manifest["mongo"]["server_version"]
    assert manifest["skillhub_version"] and manifest["created_at"].endswith("Z")
    # BSON as the server holds it: every type exact (an int32 stays an int32, a date a date).
    assert manifest["format_version"] == 2
    assert isinstance(activity[0]["at"], datetime) and type(activity[0]["actor_id"]) is int
    assert layout["options"]["validator"]["$jsonSchema"]["required"]
    assert ["at", -1] in [ix["key"][0] for ix in layout["indexes"]]
    assert read_manifest(result.path).tables == manifest["postgres"]["tables"]


def test_backup_reports_progress_through_every_step(seeded: Services, backups: BackupService) -> None:
    seen: list[Progress] = []

    backups.create(SYSTEM, progress=seen.append)

    assert [p.step for p in seen] == sorted(p.step for p in seen)
    assert {p.step for p in seen} == {1, 2, 3, 4} and all(p.steps == 4 for p in seen)
    assert any(p.stage.startswith("MongoDB export: ") for p in seen)
    assert seen[-1].fraction == 1.0


def test_retention_keeps_exactly_the_newest_archives(services: Services, backups: BackupService) -> None:
    foreign = backups.directory / "notes.txt"
    made = [backups.create(SYSTEM).path for _ in range(5)]
    foreign.write_text("not a backup")

    kept = archives(backups.directory)

    assert kept == made[-3:]
    assert all(not p.exists() for p in made[:2])
    assert foreign.exists()


def test_two_backups_in_the_same_second_get_distinct_names(services: Services, tmp_path: Path) -> None:
    settings = replace(services.settings, backup_dir=tmp_path, backup_keep=1)
    same_second = backup_service(services.resources, services.activity, settings, clock=services.clock)

    first = same_second.create(SYSTEM)
    second = same_second.create(SYSTEM)

    assert first.path.name != second.path.name
    assert archives(tmp_path) == [second.path]
    assert second.removed == [first.path]


def _flip_middle_byte(archive: Path, target: Path) -> Path:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def _drop_member(archive: Path, target: Path) -> Path:
    return rewrite_archive(archive, target, lambda name, data: None if name == "mongo/activity_logs.bson" else data)


def _tamper_member(archive: Path, target: Path) -> Path:
    return rewrite_archive(
        archive, target,
        lambda name, data: data.replace(b"admin@example.org", b"evil1@example.org") if name.endswith(".bson") else data,
    )


def _cut_last_document(archive: Path, target: Path) -> Path:
    # Sizes and SHA-256 made to match: only the documents' own lengths tell.
    return replace_member(archive, target, "mongo/activity_logs.bson", lambda data: data[:-10])


def _add_member(archive: Path, target: Path) -> Path:
    return rewrite_archive(archive, target, lambda name, data: data, extra={"mongo/extra.jsonl": b"{}\n"})


def _truncate(fraction: float) -> object:
    def cut(archive: Path, target: Path) -> Path:
        data = archive.read_bytes()
        target.write_bytes(data[: int(len(data) * fraction)])
        return target

    return cut


def _cut_gzip_trailer(archive: Path, target: Path) -> Path:
    target.write_bytes(archive.read_bytes()[:-4])
    return target


def _tamper_manifest(archive: Path, target: Path) -> Path:
    def edit(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["mongo"]["collections"][PROBE]["documents"] = 99
        return json.dumps(manifest).encode()

    return rewrite_archive(archive, target, edit)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        # Depending on where the byte lands, zlib or the member's SHA-256 notices first.
        (_flip_middle_byte, "truncated or corrupt|SHA-256 does not match"),
        (_drop_member, "mongo/activity_logs.bson is missing"),
        (_tamper_member, "SHA-256 does not match"),
        (_add_member, "which its manifest does not list"),
        (_cut_last_document, "mongo/activity_logs.bson ends in the middle of a document"),
        (_truncate(0.6), "truncated or corrupt"),
        (_cut_gzip_trailer, "truncated or corrupt"),
        (_tamper_manifest, "the manifest says 99"),
    ],
    ids=["byte-flipped", "file-missing", "file-tampered", "file-added", "document-cut", "truncated", "gzip-trailer-cut",
         "manifest-tampered"],
)
def test_damaged_archive_is_refused_and_databases_are_left_unchanged(
    seeded: Services, backups: BackupService, tmp_path: Path, damage, message: str  # noqa: ANN001
) -> None:
    good = backups.create(SYSTEM).path
    bad = damage(good, tmp_path / good.name)
    mutate(seeded)
    before = fingerprint(seeded.engine, seeded.db)

    with pytest.raises(ArchiveError) as verify_error:
        backups.verify(SYSTEM, bad)
    with pytest.raises(ArchiveError) as restore_error:
        backups.restore(SYSTEM, bad, confirm=lambda manifest: pytest.fail("asked to confirm a damaged archive"))

    assert re.search(message, verify_error.value.message)
    assert restore_error.value.message == verify_error.value.message
    assert "\n" not in verify_error.value.message
    # The refused restore is recorded (verification is not): set aside, nothing else changed.
    refused = take_entries(seeded, RESTORE_ACTION)
    assert [(e["entity_id"], e["details"]["outcome"], e["details"]["error"]) for e in refused] == [
        (bad.name, "failed", verify_error.value.message)]
    assert fingerprint(seeded.engine, seeded.db) == before


def test_restore_not_confirmed_changes_nothing(seeded: Services, backups: BackupService) -> None:
    archive = backups.create(SYSTEM).path
    mutate(seeded)
    before = fingerprint(seeded.engine, seeded.db)
    asked = []

    with pytest.raises(RestoreCancelled):
        backups.restore(SYSTEM, archive, confirm=lambda manifest: asked.append(manifest.total_rows) or False)

    assert asked and asked[0] > 0
    assert fingerprint(seeded.engine, seeded.db) == before


def test_only_admins_may_back_up_verify_list_or_restore(services: Services, backups: BackupService,
                                                         learner: Principal, trainer: Principal) -> None:
    archive = backups.create(SYSTEM).path
    for caller in (learner, trainer):
        with pytest.raises(PermissionDenied):
            backups.create(caller)
        with pytest.raises(PermissionDenied):
            backups.verify(caller, archive)
        with pytest.raises(PermissionDenied):
            backups.archives(caller)
        with pytest.raises(PermissionDenied):
            backups.restore(caller, archive)


def test_pg_dump_gets_the_password_from_the_environment_never_the_command_line(
    services: Services, backups: BackupService, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = pgtools.Connection.from_url(services.endpoints.database_url).password
    assert password
    calls: list[tuple[list[str], dict[str, str]]] = []
    real_run = subprocess.run

    def spy(args, **kwargs):  # noqa: ANN001, ANN202 - same signature as subprocess.run
        calls.append((list(map(str, args)), kwargs.get("env") or {}))
        return real_run(args, **kwargs)

    monkeypatch.setattr(pgtools.subprocess, "run", spy)
    backups.create(SYSTEM)

    dumps = [(args, env) for args, env in calls if Path(args[0]).name == "pg_dump" and "--version" not in args]
    assert len(dumps) == 1
    args, env = dumps[0]
    assert all(password not in arg for arg in args)
    assert env["PGPASSWORD"] == password
    assert any(arg.startswith("--snapshot=") for arg in args)


def test_a_client_older_than_the_server_is_refused_with_a_clear_message() -> None:
    with pytest.raises(PgToolError) as error:
        pgtools.find_tool("pg_dump", 99, "99.0")

    assert "pg_dump 99 or newer is needed for PostgreSQL 99.0" in error.value.message
    assert "postgresql-client-99" in error.value.message


def test_the_oldest_client_that_is_new_enough_is_chosen(services: Services) -> None:
    with services.engine.connect() as conn:
        number = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one())

    tool = pgtools.find_tool("pg_restore", pgtools.server_major(number), "server")

    assert tool.major >= pgtools.server_major(number)
    older_usable = [
        path for path in pgtools._candidates("pg_restore")
        if (version := pgtools.tool_version(path)) and pgtools.server_major(number) <= version[1] < tool.major
    ]
    assert older_usable == []


def test_restore_report_counts_pending_outbox_records_when_no_doctor_is_installed(
    services: Services, backups: BackupService
) -> None:
    with services.uow() as uow:
        OutboxRepository(uow.conn).add("activity.log", {"waiting": True})
        uow.commit()
    archive = backups.create(SYSTEM).path

    report = backups.restore(SYSTEM, archive)

    assert report.ok
    # The restore's own activity entry waits in the outbox behind the record that cannot be applied.
    assert report.drift == ["2 outbox record(s) pending: run 'skillhub outbox replay' (or 'skillhub doctor --repair')"]
    assert any("Drift check: 2 outbox record(s) pending" in line for line in report.lines())


def test_restore_report_uses_the_doctor_drift_check(services: Services, backups: BackupService) -> None:
    backups.drift_check = lambda: services.doctor.check().lines()
    with services.uow() as uow:
        OutboxRepository(uow.conn).add("activity.log", {"waiting": True})
        uow.commit()
    archive = backups.create(SYSTEM).path

    report = backups.restore(SYSTEM, archive)

    assert report.drift == services.doctor.check().lines()
    assert any("outbox" in line for line in report.drift)

def test_restore_keeps_sessions_revoked_after_the_backup_revoked(services: Services, backups: BackupService,
                                                                  admin: Principal) -> None:
    from domain.errors import SessionExpired

    session = services.auth.login(admin.email, TEST_PASSWORD)
    archive = backups.create(SYSTEM).path
    services.auth.logout(session.token)

    report = backups.restore(SYSTEM, archive)

    assert report.ok
    assert any("kept 1 session revocation" in note for note in report.notes)
    with pytest.raises(SessionExpired):
        services.auth.authenticate(session.token)


# -- The activity log -----------------------------------------------------------------------------


def _entries(services: Services, action: str) -> list[dict]:
    return sorted(services.db["activity_logs"].find({"action": action}), key=lambda entry: entry["_id"])


def test_backup_and_restore_are_logged_and_the_restore_entry_is_written_after_the_data_is_back(
        seeded: Services, backups: BackupService) -> None:
    admin = seeded.auth.login("admin@example.org", TEST_PASSWORD).principal
    result = backups.create(admin)

    [backed_up] = _entries(seeded, BACKUP_ACTION)
    assert (backed_up["actor_email"], backed_up["entity"], backed_up["entity_id"]) == \
        ("admin@example.org", "backup", result.path.name)
    assert backed_up["details"] == {"outcome": "ok", "rows": result.manifest.total_rows,
                                    "documents": result.manifest.total_documents, "bytes": result.size}
    assert result.notes == []

    mutate(seeded)
    report = backups.restore(admin, result.path)

    assert report.ok and report.drift == []
    # The activity log is the archive's, which the backup's own entry came after, plus the restore's.
    assert _entries(seeded, BACKUP_ACTION) == []
    newest = seeded.activity.list(admin, PageRequest(1, 1)).items[0]
    assert (newest.action, newest.actor_email, newest.entity_id) == (RESTORE_ACTION, "admin@example.org",
                                                                     result.path.name)
    assert newest.details == {"outcome": "ok", "taken": result.manifest.created_at.isoformat(),
                              "rows": result.manifest.total_rows, "documents": result.manifest.total_documents}
    assert RESTORE_ACTION in seeded.activity.actions(admin)


def test_a_backup_that_fails_is_logged_with_its_error_line(services: Services, admin: Principal,
                                                           tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    directory = blocker / "backups"
    settings = replace(services.settings, backup_dir=directory)
    backups = backup_service(services.resources, services.activity, settings)
    expected = f"SKILLHUB_BACKUP_DIR {directory} cannot be created: {blocker} is a file, not a directory"

    with pytest.raises(StorageError) as failed:
        backups.create(admin)
    with pytest.raises(StorageError) as listing:
        backups.archives(admin)

    assert failed.value.message == listing.value.message == expected
    [entry] = _entries(services, BACKUP_ACTION)
    assert (entry["actor_email"], entry["entity_id"]) == (admin.email, "")
    assert entry["details"] == {"outcome": "failed", "error": expected, "directory": str(directory)}


def test_a_restore_that_fails_half_way_is_logged_after_what_it_changed(
        seeded: Services, backups: BackupService, monkeypatch: pytest.MonkeyPatch) -> None:
    result = backups.create(SYSTEM)
    mutate(seeded)

    def mongo_gone(*args: object, **kwargs: object) -> None:
        raise DatabaseUnavailable("MongoDB", "connection refused", "Check MONGO_URL.")

    monkeypatch.setattr(CollectionArchive, "replace", mongo_gone)
    with pytest.raises(RestoreFailed) as failed:
        backups.restore(SYSTEM, result.path, os_user="operator")

    assert failed.value.message.startswith("PostgreSQL was restored but MongoDB failed")
    [entry] = _entries(seeded, RESTORE_ACTION)
    assert (entry["actor_email"], entry["entity_id"]) == (SYSTEM.email, result.path.name)
    assert entry["details"] == {
        "outcome": "failed", "error": failed.value.message, "taken": result.manifest.created_at.isoformat(),
        "rows": result.manifest.total_rows, "documents": result.manifest.total_documents, "os_user": "operator"}
    # Its outbox record is in the restored PostgreSQL, applied: the entry is not lost on the next replay.
    with seeded.engine.connect() as conn:
        assert OutboxRepository(conn).pending_count() == 0


def test_an_entry_that_cannot_be_written_does_not_fail_the_backup_and_is_reported(
        services: Services, backups: BackupService, monkeypatch: pytest.MonkeyPatch) -> None:
    def postgres_gone(*args: object, **kwargs: object) -> int:
        raise DatabaseUnavailable("PostgreSQL", "connection refused", "Check DATABASE_URL.")

    monkeypatch.setattr(services.activity, "record", postgres_gone)
    result = backups.create(SYSTEM)

    assert result.path.is_file()
    assert result.notes == ["the activity-log entry could not be written: PostgreSQL is unreachable "
                            "(connection refused). Check DATABASE_URL."]
    assert f"  Note: {result.notes[0]}" in result.lines()


def test_a_full_disk_during_a_backup_is_one_line_naming_the_file(
        services: Services, backups: BackupService, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(backups.directory / "x.partial"))

    monkeypatch.setattr(backup_archive, "pack", disk_full)
    with pytest.raises(StorageError) as failed:
        backups.create(SYSTEM)

    assert failed.value.message == \
        f"the backup failed: {backups.directory / 'x.partial'}: no space left on device"
    assert _entries(services, BACKUP_ACTION)[0]["details"]["error"] == failed.value.message
