"""Backup, verification and restore of both databases (admins only, from the CLI or the TUI).

A backup is one archive (see `domain.infrastructure.backup_archive`): a `pg_dump` of PostgreSQL
taken from an exported snapshot, so the dump and the row counts of the manifest are one
consistent instant; every MongoDB collection exported after that snapshot is taken (while
pg_dump writes it). The MongoDB export is not
one instant: a change made while it runs may be in one collection and not another, and a
document written by the outbox after the PostgreSQL snapshot may be there while its
outbox record is still pending in the dump. Replaying the outbox after a restore
(`skillhub doctor --repair` / `skillhub outbox replay`) brings the two back into agreement,
because every outbox handler is idempotent.

Restore verifies the whole archive and checks every MongoDB document against its
collection's validator (normalising what nx-27017 stored as text) before touching anything,
restores PostgreSQL in one transaction (all or nothing), then replaces the MongoDB
collections one by one, and checks the counts against the manifest. It never bypasses
document validation, so MongoDB's readWrite role is enough.

Both are recorded in the activity log (`backup.create`, `backup.restore`: who, which archive,
the counts, the outcome, and the error line when one failed), through the outbox like every
change. A backup's entry is written once the archive is, so the archive does not hold it. A
restore replaces the activity log with the archive's, so its entry is written after the data
is back (a failed restore's too, whatever state it left). Verifying touches no database and
is not recorded; a restore the operator does not confirm changes nothing and is not either.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from domain import validation
from domain.clock import Clock, utc_now
from domain.config import Settings
from domain.errors import (
    PgToolError,
    RestoreCancelled,
    RestoreFailed,
    SkillHubError,
    StorageError,
    ValidationError,
)
from domain.infrastructure import archive_manifest, backup_archive
from domain.infrastructure.archive_manifest import CollectionEntry, Manifest
from domain.infrastructure.backup_archive import ArchiveInfo
from domain.infrastructure.directories import (
    BACKUP_DIR_SETTING,
    directory_problem,
    ensure_directory,
)
from domain.infrastructure.migrate import head_revision
from domain.infrastructure.pgtools import PgTool
from domain.infrastructure.postgres_backup import PostgresBackup
from domain.models.sync import SyncStatus
from domain.models.users import Principal, Role
from domain.repositories.mongo.archive import (
    CollectionArchive,
    CollectionLayout,
    PreparedCollection,
)
from domain.repositories.mongo.denylist import SPEC as DENYLIST_SPEC
from domain.repositories.mongo.denylist import KeptRevocations, TokenDenyList
from domain.repositories.mongo.guard import mongo_guard
from domain.repositories.sql.unit_of_work import UnitOfWorkFactory
from domain.services.access import require_role
from domain.services.activity import ActivityService
from domain.services.backup_reports import BackupResult, ProgressCallback, RestoreReport, Steps
from domain.services.restore_checks import archive_counts, prepare_documents, read_layouts

log = logging.getLogger(__name__)

# The activity log's actions and entity; the entity id is the archive's name.
BACKUP_ACTION = "backup.create"
RESTORE_ACTION = "backup.restore"
ACTIVITY_ENTITY = "backup"

# A drift check returns one line per disagreement between the databases (empty: in agreement).
DriftCheck = Callable[[], list[str]]


def skillhub_version() -> str:
    try:
        return version("skillhub")
    except PackageNotFoundError:
        return "unknown"


def archive_path(path: object) -> Path:
    """An archive path as given by a screen or the command line: text a file name can be made of."""
    if not isinstance(path, (str, Path)):
        raise ValidationError("Archive path must be text", field="path")
    return Path(validation.valid_text(str(path), "path", "Archive path"))


def verify_archive(path: Path, progress: ProgressCallback | None = None) -> Manifest:
    """Check an archive against its manifest (no database needed: the CLI calls it before any connection)."""
    path = archive_path(path)
    backup_archive.check_readable(path)
    steps = Steps(progress, 1)
    steps.start("Verifying archive", path.stat().st_size)
    manifest = backup_archive.verify(path, on_bytes=steps.advance)
    steps.finish()
    return manifest


class BackupService:
    """Create, verify, list and restore backup archives of PostgreSQL and MongoDB."""

    def __init__(self, settings: Settings, postgres: PostgresBackup, mongo: CollectionArchive, denylist: TokenDenyList,
                 activity: ActivityService, uow_factory: UnitOfWorkFactory, clock: Clock = utc_now,
                 drift_check: DriftCheck | None = None, after_restore: Callable[[], None] | None = None) -> None:
        self._settings = settings
        # Rebuilds what is derived from both databases (the leaderboard's figures) once both are back.
        self._after_restore = after_restore
        self._postgres = postgres
        self._mongo = mongo
        self._denylist = denylist
        self._activity = activity
        self._uow = uow_factory
        self._clock = clock
        self.drift_check = drift_check

    @property
    def directory(self) -> Path:
        return self._settings.backup_dir

    @property
    def keep(self) -> int:
        """How many archives retention keeps (SKILLHUB_BACKUP_KEEP)."""
        return self._settings.backup_keep

    # -- backup ----------------------------------------------------------------------
    def create(self, principal: Principal, progress: ProgressCallback | None = None, *,
               os_user: str | None = None) -> BackupResult:
        """Write a new archive into SKILLHUB_BACKUP_DIR, then keep only the newest SKILLHUB_BACKUP_KEEP.

        The activity log records it, or its failure; `os_user` (the account that ran the
        command, for the CLI's SYSTEM actor) goes with the entry."""
        require_role(principal, Role.ADMIN, doing="back up the databases")
        context = {"os_user": os_user} if os_user else {}
        try:
            result = self._create(progress)
        except Exception as exc:
            storage = _storage_error(exc, "the backup failed")
            self._record(principal, BACKUP_ACTION, "", {
                "outcome": "failed", "error": _error_line(storage or exc), "directory": str(self.directory), **context})
            if storage is not None:
                raise storage from None
            raise
        m = result.manifest
        recorded = self._record(principal, BACKUP_ACTION, result.path.name, {
            "outcome": "ok", "rows": m.total_rows, "documents": m.total_documents, "bytes": result.size,
            **({"removed": ", ".join(p.name for p in result.removed)} if result.removed else {}), **context})
        return replace(result, notes=[recorded]) if isinstance(recorded, str) else result

    def _create(self, progress: ProgressCallback | None) -> BackupResult:
        started = time.monotonic()
        steps = Steps(progress, 4)
        mongo = self._mongo
        created_at = self._clock()
        ensure_directory(self.directory, BACKUP_DIR_SETTING)
        with tempfile.TemporaryDirectory(prefix=".skillhub-staging-", dir=self.directory) as scratch:
            staging = Path(scratch)
            (staging / "postgres").mkdir()
            (staging / "mongo").mkdir()
            steps.start("PostgreSQL dump", 1)
            collections: dict[str, CollectionEntry] = {}

            def export_mongo() -> None:
                # Runs while pg_dump works, once its snapshot is taken (see the module docstring).
                steps.finish()
                names = mongo.collection_names()
                steps.start("MongoDB export", sum(mongo.estimated_count(n) for n in names))
                for name in names:
                    collections[name] = self._export_collection(mongo, name, staging, steps)
                steps.finish()

            pg = self._postgres.dump(staging, meanwhile=export_mongo)
            files = {pg.member: archive_manifest.digest(staging / pg.member)}
            for entry in collections.values():
                files[entry.data] = archive_manifest.digest(staging / entry.data)
                files[entry.layout] = archive_manifest.digest(staging / entry.layout)
            manifest = Manifest(
                created_at=created_at, skillhub_version=skillhub_version(), alembic_revision=pg.revision,
                postgres_version=pg.server_version, postgres_version_num=pg.server_version_num,
                pg_dump_version=pg.tool_version, postgres_database=self._postgres.database,
                postgres_dump=pg.member, tables=pg.tables,
                mongo_version=mongo.server_version(), mongo_database=mongo.database_name, collections=collections,
                files=files,
            )
            steps.start("Packing archive", sum(f.size for f in files.values()))
            path = backup_archive.pack(staging, manifest, self.directory, on_bytes=steps.advance)
            steps.finish()
        steps.start("Retention", 1)
        removed = backup_archive.prune(self.directory, self._settings.backup_keep)
        steps.finish()
        return BackupResult(path, path.stat().st_size, manifest, removed, time.monotonic() - started)

    @staticmethod
    def _export_collection(mongo: CollectionArchive, name: str, staging: Path, steps: Steps) -> CollectionEntry:
        data, layout = archive_manifest.data_member(name), archive_manifest.layout_member(name)
        (staging / layout).write_text(mongo.layout(name).to_json() + "\n", encoding="utf-8")
        with open(staging / data, "wb") as out:
            documents = mongo.export(name, out, on_batch=lambda n: steps.advance(n, f"MongoDB export: {name}"))
        return CollectionEntry(documents, data, layout)

    # -- verify and list -----------------------------------------------------------------
    def verify(self, principal: Principal, path: Path, progress: ProgressCallback | None = None) -> Manifest:
        """Check an archive against its manifest without touching any database."""
        require_role(principal, Role.ADMIN, doing="verify backups")
        return verify_archive(path, progress)

    def archives(self, principal: Principal) -> list[ArchiveInfo]:
        """The archives of SKILLHUB_BACKUP_DIR, newest first, each with its manifest.

        StorageError when the directory could neither be listed nor created by a backup."""
        require_role(principal, Role.ADMIN, doing="list backups")
        problem = directory_problem(self.directory, BACKUP_DIR_SETTING)
        if problem is not None:
            raise StorageError(problem)
        return [backup_archive.describe(p) for p in reversed(backup_archive.archives(self.directory))]

    # -- restore ---------------------------------------------------------------------------
    def restore(self, principal: Principal, path: Path, confirm: Callable[[Manifest], bool] | None = None,
                progress: ProgressCallback | None = None, *, os_user: str | None = None) -> RestoreReport:
        """Verify `path`, ask `confirm`, then replace both databases' contents with the archive's.

        The activity log records the restore once the data is back (or its failure, whatever
        state it left); a restore not confirmed is not recorded, since it changed nothing."""
        require_role(principal, Role.ADMIN, doing="restore backups")
        path = archive_path(path)
        context = {"os_user": os_user} if os_user else {}
        try:
            report = self._restore(path, confirm, progress)
        except RestoreCancelled:
            raise
        except Exception as exc:
            storage = _storage_error(exc, "the restore failed")
            self._record(principal, RESTORE_ACTION, path.name, {
                "outcome": "failed", "error": _error_line(storage or exc), **archive_counts(path), **context})
            if storage is not None:
                raise storage from None
            raise
        m = report.manifest
        recorded = self._record(principal, RESTORE_ACTION, path.name, {
            "outcome": "ok" if report.ok else "counts differ", "taken": m.created_at.isoformat(),
            "rows": m.total_rows, "documents": m.total_documents,
            **({"mismatches": len(report.mismatches)} if report.mismatches else {}), **context})
        if isinstance(recorded, str):
            return replace(report, notes=[*report.notes, recorded])
        if recorded.applied != 1 or not recorded.synced:
            # Relaying the entry replayed outbox records the archive held pending, or stopped at
            # one: the drift check is done again, on what is there now.
            return replace(report, drift=self._drift())
        return report

    def _restore(self, path: Path, confirm: Callable[[Manifest], bool] | None,
                 progress: ProgressCallback | None) -> RestoreReport:
        started = time.monotonic()
        steps = Steps(progress, 5)
        ensure_directory(self.directory, BACKUP_DIR_SETTING)
        with tempfile.TemporaryDirectory(prefix=".skillhub-restore-", dir=self.directory) as scratch:
            unpacked = Path(scratch)
            backup_archive.check_readable(path)
            steps.start("Verifying archive", path.stat().st_size)
            manifest = backup_archive.verify(path, extract_to=unpacked, on_bytes=steps.advance)
            steps.finish()
            layouts = read_layouts(manifest, unpacked)
            prepared = prepare_documents(manifest, layouts, unpacked, steps)
            tool = self._preflight(manifest)
            if confirm is not None and not confirm(manifest):
                raise RestoreCancelled("Restore cancelled: nothing was changed.")
            # A restore must never bring a logged-out session back to life: revocations made
            # after the backup are carried over into the restored deny-list. Read (and checked)
            # before anything changes, so one that cannot be written back stops the restore here.
            denylist = self._denylist
            with mongo_guard():
                try:
                    revocations = denylist.entries()
                except ValidationError as exc:
                    raise RestoreFailed(f"Restore refused, nothing was changed: {exc.message}") from None
            steps.start("PostgreSQL restore", 1)
            try:
                self._postgres.restore(tool, unpacked / manifest.postgres_dump)
            except PgToolError as exc:
                raise RestoreFailed(f"PostgreSQL restore failed, nothing was changed (one transaction): {exc.message}") from None
            steps.finish()
            steps.start("MongoDB restore", manifest.total_documents)
            dropped = self._restore_mongo(manifest, layouts, prepared, steps)
            kept = denylist.keep(revocations)
            steps.finish()
        steps.start("Checking", 1)
        report = self._check(path, manifest, layouts, dropped, time.monotonic() - started, kept, prepared)
        if self._after_restore is not None:
            self._after_restore()
        steps.finish()
        return report

    def _preflight(self, manifest: Manifest) -> PgTool:
        """Everything that can refuse the restore, checked before anything is changed."""
        server = self._postgres.server_version()
        self._mongo.ping()
        return self._postgres.restore_tool(server, manifest.pg_dump_major)

    def _restore_mongo(self, manifest: Manifest, layouts: dict[str, CollectionLayout],
                       prepared: dict[str, PreparedCollection], steps: Steps) -> list[str]:
        mongo = self._mongo
        try:
            dropped = mongo.drop_others(manifest.collections)
            for name in manifest.collections:
                mongo.replace(layouts[name], prepared[name].documents_iter(),
                              on_batch=partial(steps.advance, stage=f"MongoDB restore: {name}"))
        except SkillHubError as exc:
            raise RestoreFailed(f"PostgreSQL was restored but MongoDB failed: {exc.message} "
                                "(run the restore again once MongoDB is back)") from None
        return dropped

    def _check(self, path: Path, manifest: Manifest, layouts: dict[str, CollectionLayout], dropped: list[str],
               seconds: float, kept: KeptRevocations,
               prepared: dict[str, PreparedCollection] | None = None) -> RestoreReport:
        mismatches: list[str] = []
        notes: list[str] = []
        counts = self._postgres.row_counts()
        for table, rows in manifest.tables.items():
            if counts.get(table) != rows:
                mismatches.append(f"table {table}: {counts.get(table, 'missing')} rows, archive {rows}")
        extra = sorted(set(counts) - set(manifest.tables))
        if extra:
            notes.append("tables not in the archive were left as they are: " + ", ".join(extra))
        mongo = self._mongo
        if kept.sessions:
            notes.append(f"kept {kept.sessions} session revocation(s) made after the backup")
        normalised = {name: p.normalised for name, p in (prepared or {}).items() if p.normalised}
        if normalised:
            notes.append("brought values back to the types their validator declares (dates stored as text by "
                         "nx-27017, ...) in " + ", ".join(f"{n} {name} document(s)" for name, n in normalised.items()))
        for name, entry in manifest.collections.items():
            # The collection was just created and filled: its metadata count is exact, and reading
            # it costs nothing, where counting the documents makes nx-27017 scan them all.
            found = mongo.estimated_count(name)
            if name == DENYLIST_SPEC.name:
                found -= kept.documents
            expires = any("expireAfterSeconds" in ix for ix in layouts[name].indexes)
            if found < entry.documents and expires:
                # MongoDB's TTL monitor may already have removed entries that had expired.
                notes.append(f"collection {name}: {found} documents, archive {entry.documents} (expired ones removed)")
            elif found != entry.documents:
                mismatches.append(f"collection {name}: {found} documents, archive {entry.documents}")
            present = mongo.index_patterns(name)
            mismatches += [f"index {name}.{ix.get('name', '?')} missing" for ix in layouts[name].indexes
                           if tuple(k for k, _ in ix["key"]) not in present]
        if manifest.mongo_database != mongo.database_name:
            notes.append(f"the archive came from MongoDB database {manifest.mongo_database}, "
                         f"restored into {mongo.database_name}")
        return RestoreReport(path, manifest, mismatches, notes, self._postgres.revision(), head_revision(),
                             self._drift(), seconds, dropped)

    def _drift(self) -> list[str]:
        if self.drift_check is not None:
            try:
                return self.drift_check()
            except SkillHubError as exc:
                return [f"the drift check could not run: {exc.message}"]
        pending = self._postgres.pending_outbox()
        if pending is None:
            return ["the outbox table could not be read"]
        if pending:
            return [f"{pending} outbox record(s) pending: run 'skillhub outbox replay' (or 'skillhub doctor --repair')"]
        return []

    # -- the activity log ----------------------------------------------------------------------
    def _record(self, principal: Principal, action: str, archive: str, details: dict[str, Any]) -> SyncStatus | str:
        """Log a backup or a restore: how its relay went, or a note to report when the entry could not be written.

        The entry goes through the outbox, relayed at once: a MongoDB outage only delays it.
        A failure to write it (PostgreSQL down) must not hide how the operation itself went."""
        try:
            with self._uow() as uow:
                self._activity.record(uow, principal, action, ACTIVITY_ENTITY, archive, details)
                uow.commit()
            return uow.sync
        except Exception as exc:  # noqa: BLE001 - see the docstring; the log file has the details
            log.warning("the activity-log entry of %s %s could not be written", action, archive, exc_info=True)
            return f"the activity-log entry could not be written: {_error_line(exc)}"


def _error_line(exc: BaseException) -> str:
    """An error as the one line a person reads (driver errors go on with SQL and parameters)."""
    if isinstance(exc, SkillHubError):
        return exc.message
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__


def _storage_error(exc: Exception, doing: str) -> StorageError | None:
    """A file-system error (disk full, permissions) as one line saying what failed; None for any other error."""
    if isinstance(exc, OSError) and exc.filename is not None:
        return StorageError(f"{doing}: {exc.filename}: {(exc.strerror or exc.__class__.__name__).lower()}")
    return None
