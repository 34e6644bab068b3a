"""A restore checks every document against its collection's validator, never bypassing it.

Archives taken from nx-27017 hold dates as text (it stores a date given to `$set` so):
they are brought back to dates before anything is written. A document that cannot be
brought back refuses the whole restore before anything is touched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bson
import pytest
from pymongo.collection import Collection
from pymongo.database import Database

from domain.devdata.dumps import DUMP_FILES, load_dumps
from domain.errors import DumpError, RestoreFailed
from domain.infrastructure.migrate import ROOT
from domain.models.badges import BadgeAward
from domain.models.users import SYSTEM
from domain.repositories.mongo.archive import encode
from domain.repositories.mongo.badges import AWARD_VALIDATOR, AwardRepository
from domain.repositories.mongo.bson_values import CODEC
from domain.repositories.mongo.denylist import VALIDATOR as DENYLIST_VALIDATOR
from domain.repositories.mongo.documents import validate
from domain.services.backup import BackupService
from domain.services.container import Services
from tests.conftest import NOW
from tests.ops.helpers import fingerprint, mutate, replace_member, rewrite_archive, take_entries

AWARD_ID = "first-steps:7:1"
REVOKED_AT = NOW - timedelta(days=2, milliseconds=250)


def _award() -> BadgeAward:
    return BadgeAward(AWARD_ID, "first-steps", 7, NOW - timedelta(days=9), None, 10, None, {"completed": 1}, False,
                      None, None, None, None, False, "progress:1")


def _revoked_award(services: Services) -> None:
    awards = AwardRepository(services.db)
    assert awards.insert(_award(), 1)
    assert awards.revoke(AWARD_ID, 1, "given by mistake", REVOKED_AT)


def _edit_documents(source: Path, target: Path, collection: str,
                    edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Path:
    """Repack `source` with each document of `collection` passed through `edit`, the manifest updated to match."""
    return replace_member(source, target, f"mongo/{collection}.bson",
                          lambda data: b"".join(bson.encode(edit(d), codec_options=CODEC)
                                                for d in bson.decode_all(data, CODEC)))


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive, "r:gz") as tar:
        handle = tar.extractfile(name)
        assert handle is not None
        return handle.read()


def _as_nx_stores_a_set_date(document: dict[str, Any]) -> dict[str, Any]:
    """The document as nx-27017 keeps it after `$set` of a date (text, no zone)."""
    if isinstance(document.get("revoked_at"), datetime):
        document["revoked_at"] = document["revoked_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return document


def test_an_archive_with_text_dates_restores_real_dates_that_pass_validation(
    services: Services, backups: BackupService, tmp_path: Path
) -> None:
    _revoked_award(services)
    archive = backups.create(SYSTEM).path
    held = bson.decode_all(_member(archive, "mongo/badge_awards.bson"), CODEC)[0]
    if not isinstance(held["revoked_at"], str):
        # A server that stores `$set` dates as dates (MongoDB 7): give the archive nx-27017's text.
        archive = _edit_documents(archive, tmp_path / archive.name, "badge_awards", _as_nx_stores_a_set_date)
        held = bson.decode_all(_member(archive, "mongo/badge_awards.bson"), CODEC)[0]
    assert held["revoked_at"] == REVOKED_AT.strftime("%Y-%m-%d %H:%M:%S.%f")
    # A revocation made after the backup, stored with text dates: kept, as dates.
    services.db["revoked_tokens"].insert_one({"_id": "late-logout", "user_id": 3, "expires_at": "2099-11-23 09:00:00",
                                              "revoked_at": "2026-11-22T09:00:00Z"})

    report = backups.restore(SYSTEM, archive)

    assert report.ok, report.lines()
    restored = services.db["badge_awards"].find_one({"_id": AWARD_ID})
    assert restored is not None and restored["revoked_at"] == REVOKED_AT
    validate(restored, AWARD_VALIDATOR)
    assert AwardRepository(services.db).for_user(7)[0].revoked_at == REVOKED_AT
    kept = services.db["revoked_tokens"].find_one({"_id": "late-logout"})
    assert kept is not None and kept["expires_at"] == datetime(2099, 11, 23, 9, 0, tzinfo=UTC)
    validate(kept, DENYLIST_VALIDATOR)
    assert any("in 1 badge_awards document(s)" in note for note in report.notes), report.notes


def test_a_document_that_cannot_be_normalised_refuses_the_restore_and_changes_nothing(
    services: Services, backups: BackupService, tmp_path: Path
) -> None:
    _revoked_award(services)
    good = backups.create(SYSTEM).path
    bad = _edit_documents(good, tmp_path / good.name, "badge_awards", lambda d: {**d, "revoked_at": "yesterday"})
    mutate_after_backup(services)
    before = fingerprint(services.engine, services.db)

    with pytest.raises(RestoreFailed) as refused:
        backups.restore(SYSTEM, bad, confirm=lambda manifest: pytest.fail("asked to confirm an unrestorable archive"))

    assert refused.value.message == (
        f"Restore refused, nothing was changed: badge_awards document '{AWARD_ID}': "
        "revoked_at must be of type date or null, not string"
    )
    # The refused attempt is audited; apart from its entry, nothing changed.
    [entry] = take_entries(services, "backup.restore")
    assert entry["details"]["outcome"] == "failed"
    assert "revoked_at must be of type date or null" in entry["details"]["error"]
    assert fingerprint(services.engine, services.db) == before


def mutate_after_backup(services: Services) -> None:
    """Work done after the backup, so a restore that wrote anything would show."""
    services.db["badge_awards"].delete_many({})
    services.db["stray"].insert_one({"_id": 1})


def test_a_kept_revocation_that_cannot_be_written_back_refuses_the_restore_before_anything_changes(
    services: Services, backups: BackupService
) -> None:
    archive = backups.create(SYSTEM).path
    services.db["revoked_tokens"].insert_one({"_id": "broken", "expires_at": "soon", "revoked_at": NOW})
    before = fingerprint(services.engine, services.db)

    with pytest.raises(RestoreFailed, match="^Restore refused, nothing was changed: revoked_tokens document 'broken': "
                                            "expires_at must be of type date, not string$"):
        backups.restore(SYSTEM, archive)

    # The refused attempt is audited; apart from its entry, nothing changed.
    [entry] = take_entries(services, "backup.restore")
    assert entry["details"]["outcome"] == "failed"
    assert fingerprint(services.engine, services.db) == before


def test_restore_never_bypasses_validation_nor_needs_more_than_read_write(
    seeded: Services, backups: BackupService, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = backups.create(SYSTEM).path
    mutate(seeded)
    inserts: list[dict[str, Any]] = []
    commands: list[str] = []
    real_insert, real_command = Collection.insert_many, Database.command

    def insert_many(self: Collection, documents: Any, *args: Any, **kwargs: Any) -> Any:
        inserts.append(kwargs)
        return real_insert(self, documents, *args, **kwargs)

    def command(self: Database, name: Any, *args: Any, **kwargs: Any) -> Any:
        commands.append(next(iter(name)) if isinstance(name, dict) else str(name))
        return real_command(self, name, *args, **kwargs)

    monkeypatch.setattr(Collection, "insert_many", insert_many)
    monkeypatch.setattr(Database, "command", command)

    report = backups.restore(SYSTEM, archive)

    assert report.ok, report.lines()
    assert inserts and all(not kwargs.get("bypass_document_validation") for kwargs in inserts)
    # readWrite covers create, drop, insert and index builds; collMod would need dbAdmin.
    assert "collMod" not in commands


def test_a_dump_whose_moved_dates_break_a_validator_is_refused_before_anything_is_written(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in DUMP_FILES:
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    from domain.devdata import dumps

    real_shift = dumps.shift_dates

    def shift_into_text(value: Any, delta: timedelta, field: str = "") -> Any:
        moved = real_shift(value, delta, field)
        if isinstance(moved, dict) and "percent" in moved:
            moved["at"] = moved["at"].isoformat()  # what a faulty shift could leave
        return moved

    monkeypatch.setattr(dumps, "shift_dates", shift_into_text)

    with pytest.raises(DumpError, match=r"once its dates are moved, progress_events document '.*': at must be of type "
                                        r"date, not string$"):
        load_dumps(services.skillhub, tmp_path, as_of=NOW + timedelta(days=30))

    assert all(services.db[name].count_documents({}) == 0 for name in services.db.list_collection_names())
    with services.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM users").scalar_one() == 0


def _as_format_1(source: Path, target: Path) -> Path:
    """`source` rewritten as the first archive format wrote it: canonical Extended JSON lines."""
    with tarfile.open(source, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    lines = {name.removesuffix(".bson") + ".jsonl": b"".join(encode(d).encode() + b"\n"
                                                            for d in bson.decode_all(data, CODEC))
             for name, data in members.items() if name.endswith(".bson")}

    def edit(name: str, data: bytes) -> bytes | None:
        if name.endswith(".bson"):
            return None
        if name != "manifest.json":
            return data
        described = json.loads(data)
        described["format_version"] = 1
        for collection in described["mongo"]["collections"].values():
            collection["data"] = collection["data"].removesuffix(".bson") + ".jsonl"
        described["files"] = {n: f for n, f in described["files"].items() if not n.endswith(".bson")} | {
            n: {"size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for n, d in lines.items()}
        return json.dumps(described).encode()

    return rewrite_archive(source, target, edit, extra=lines)


def test_an_archive_of_the_first_format_still_verifies_and_restores(
    seeded: Services, backups: BackupService, tmp_path: Path
) -> None:
    before = fingerprint(seeded.engine, seeded.db)
    archive = _as_format_1(backups.create(SYSTEM).path, tmp_path / "skillhub-format-1.tar.gz")
    assert backups.verify(SYSTEM, archive).total_documents > 0
    mutate(seeded)

    report = backups.restore(SYSTEM, archive)

    assert report.ok, report.lines()
    # Everything but the entries the backup and the restore added to the activity log is as it was.
    take_entries(seeded, "backup.restore")
    take_entries(seeded, "backup.create")
    assert fingerprint(seeded.engine, seeded.db) == before


def test_bytes_that_are_not_a_bson_document_refuse_the_restore_and_change_nothing(
    seeded: Services, backups: BackupService, tmp_path: Path
) -> None:
    services = seeded
    good = backups.create(SYSTEM).path

    def garble(data: bytes) -> bytes:
        # The first field's type byte (just after the 4-byte length) becomes a type BSON does not have.
        return data[:4] + b"\x55" + data[5:]

    bad = replace_member(good, tmp_path / good.name, "mongo/activity_logs.bson", garble)
    mutate_after_backup(services)
    before = fingerprint(services.engine, services.db)

    with pytest.raises(RestoreFailed, match=r"^Restore refused, nothing was changed: a document of activity_logs "
                                            r"cannot be read \(not a BSON document"):
        backups.restore(SYSTEM, bad)

    take_entries(services, "backup.restore")
    assert fingerprint(services.engine, services.db) == before
