"""Restore into a second pair of embedded servers, freshly started and empty."""

from __future__ import annotations

from domain.infrastructure.migrate import current_revision, head_revision
from domain.models.users import SYSTEM
from domain.repositories.mongo.schema import missing_indexes
from domain.services.backup import BACKUP_ACTION, RESTORE_ACTION, BackupService
from domain.services.container import Services
from tests.conftest import TEST_PASSWORD
from tests.ops.helpers import fingerprint, take_entries


def test_restore_into_fresh_empty_servers_reproduces_the_data(seeded: Services, backups: BackupService,
                                                                fresh: Services) -> None:
    assert fresh.backups is not None
    archive = backups.create(SYSTEM).path
    assert current_revision(fresh.engine) is None and fresh.db.list_collection_names() == []

    report = fresh.backups.restore(SYSTEM, archive)

    assert report.ok, report.lines()
    # Each side holds one entry made after the archive: the backup's there, the restore's here.
    assert [e["entity_id"] for e in take_entries(seeded, BACKUP_ACTION)] == [archive.name]
    assert [e["entity_id"] for e in take_entries(fresh, RESTORE_ACTION)] == [archive.name]
    assert fingerprint(fresh.engine, fresh.db) == fingerprint(seeded.engine, seeded.db)
    assert current_revision(fresh.engine) == head_revision()
    assert missing_indexes(fresh.db) == []
    # The restored system works: the restored users can log in there.
    session = fresh.auth.login("learner2@example.org", TEST_PASSWORD)
    assert fresh.auth.authenticate(session.token).email == "learner2@example.org"
