"""Backups as the Backups screen sees them: archive rows, progress, and what each operation found."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from domain.errors import ArchiveError, StorageError, ValidationError
from domain.infrastructure.archive_manifest import Manifest
from domain.infrastructure.backup_archive import ARCHIVE_NAME, TIME_FORMAT, ArchiveInfo
from domain.services.backup import BackupService
from domain.services.backup_reports import Progress, human_size
from tui.controllers.session import PrincipalSource

log = logging.getLogger("skillhub.tui")

COLUMNS = ("Taken (UTC)", "Size", "PostgreSQL", "MongoDB", "Verified")
WRONG_NAME = "That is not this archive's name: nothing was changed."
NO_ARCHIVE = "No archive yet: press b to back up both databases."


class Verification(Enum):
    """What is known about an archive's integrity in this session."""

    UNKNOWN = "not yet"
    PASSED = "yes"
    FAILED = "FAILED"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class VerificationRecord:
    """The outcome of checking one archive, as it was on disk then."""

    passed: bool
    message: str


class VerifiedArchives:
    """Verification outcomes remembered for the life of the TUI (none is stored on disk).

    An archive is identified by name, size and modification time, so a file replaced or
    altered since its check counts as not verified.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[str, int, int], VerificationRecord] = {}

    @staticmethod
    def _key(path: Path) -> tuple[str, int, int] | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return path.name, stat.st_size, stat.st_mtime_ns

    def remember(self, path: Path, passed: bool, message: str) -> None:
        key = self._key(path)
        if key is not None:
            with self._lock:
                self._records[key] = VerificationRecord(passed, message)

    def recall(self, path: Path) -> VerificationRecord | None:
        key = self._key(path)
        with self._lock:
            return None if key is None else self._records.get(key)


@dataclass(frozen=True)
class ArchiveRow:
    """One archive in the table, and the lines the detail panel shows for it."""

    name: str
    taken: str
    size: str
    postgres: str
    mongo: str
    verification: Verification
    # The name first, then what the manifest says; `alert` is what is known to be wrong with it.
    detail: tuple[str, ...]
    alert: str | None = None
    total_rows: int | None = None
    total_documents: int | None = None

    @property
    def cells(self) -> tuple[str, ...]:
        return (self.taken, self.size, self.postgres, self.mongo, self.verification.value)

    @property
    def restorable(self) -> bool:
        """False when the archive is already known to be refused."""
        return self.restore_refusal is None

    @property
    def restore_refusal(self) -> str | None:
        """Why this archive cannot be restored (its check failed in this session); None when it can."""
        if self.verification is Verification.FAILED:
            return "This archive failed its verification: it cannot be restored."
        if self.verification is Verification.UNREADABLE:
            return "This archive cannot be read: it cannot be restored."
        return None


@dataclass(frozen=True)
class ArchiveList:
    """The archives of the backup directory, newest first."""

    rows: tuple[ArchiveRow, ...]
    directory: str
    keep: int
    # Why the backup directory cannot be listed or created (a backup would fail), if so.
    problem: str | None = None

    @property
    def label(self) -> str:
        return f"{count(len(self.rows), 'archive')} · newest {self.keep} kept"

    @property
    def where(self) -> str:
        return f"Archives in {self.directory}"


@dataclass(frozen=True)
class ProgressView:
    """A long operation's progress as the screen shows it: a label and an overall percentage."""

    label: str
    percent: int


ProgressSink = Callable[[ProgressView], None]


@dataclass(frozen=True)
class BackupDone:
    """A backup just written, and the old archives retention removed."""

    name: str
    written: str
    removed: tuple[str, ...]
    # What the backup has to say besides (its activity-log entry could not be written).
    notes: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        text = self.written
        if self.removed:
            text += f" Retention removed {count(len(self.removed), 'older archive')}."
        return " ".join([text, *(f"Note: {note.rstrip('.')}." for note in self.notes)])


@dataclass(frozen=True)
class VerifyOutcome:
    """What checking an archive against its manifest found."""

    name: str
    passed: bool
    message: str

    @property
    def summary(self) -> str:
        # Most archive errors already start with the archive's name.
        return self.message if self.message.startswith(self.name) else f"{self.name}: {self.message}"


@dataclass(frozen=True)
class RestoreOutcome:
    """A finished restore: whether the checks passed, and the report's lines."""

    name: str
    ok: bool
    drift_ok: bool
    lines: tuple[str, ...]

    @property
    def summary(self) -> str:
        if not self.ok:
            return f"{self.name} restored, but counts differ from the archive."
        if not self.drift_ok:
            return f"{self.name} restored; the drift check asks for 'skillhub doctor --repair'."
        return f"{self.name} restored: every check passed."


def one_at_a_time(running: str) -> str:
    """Why no other operation starts while `running` ("Backup", "Verification", "Restore") runs."""
    return f"{running} in progress: one operation at a time, wait for it to finish."


def confirms(name: str, typed: str) -> bool:
    """True when `typed` is exactly the archive's name (surrounding spaces aside)."""
    return typed.strip() == name


def count(number: int, noun: str) -> str:
    """`1 row`, `20,031 rows`."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


class ProgressRelay:
    """Turns the service's progress into ProgressViews, passing on only visible changes.

    A display that fails must never abort a backup or a restore half-way, so a sink that
    raises is logged once and then left alone.
    """

    def __init__(self, sink: ProgressSink | None) -> None:
        self._sink = sink
        self._last: ProgressView | None = None

    def __call__(self, progress: Progress) -> None:
        if self._sink is None:
            return
        steps = max(1, progress.steps)
        overall = (max(0, progress.step - 1) + progress.fraction) / steps
        view = ProgressView(f"Step {progress.step} of {progress.steps} · {progress.stage}", int(overall * 100))
        if view == self._last:
            return
        self._last = view
        try:
            self._sink(view)
        except Exception:  # noqa: BLE001 - see the class docstring
            log.exception("the progress display failed; the operation goes on without it")
            self._sink = None


class BackupsController:
    """Forwards the Backups screen's actions to the backup service with the current principal."""

    def __init__(self, backups: BackupService, principal: PrincipalSource,
                 verified: VerifiedArchives | None = None) -> None:
        self._backups = backups
        self._principal = principal
        self._verified = verified or VerifiedArchives()

    def archives(self) -> ArchiveList:
        """Every archive of the backup directory, newest first (none, and the problem, when it is unusable)."""
        directory, keep = str(self._backups.directory), self._backups.keep
        try:
            infos = self._backups.archives(self._principal())
        except StorageError as exc:
            return ArchiveList((), directory, keep, exc.message)
        return ArchiveList(tuple(self._row(info) for info in infos), directory, keep)

    def backup(self, on_progress: ProgressSink | None = None) -> BackupDone:
        """Write a new archive (retention may remove the oldest ones)."""
        result = self._backups.create(self._principal(), ProgressRelay(on_progress))
        manifest = result.manifest
        summary = (f"{result.path.name} written: {human_size(result.size)}, {count(manifest.total_rows, 'row')}, "
                   f"{count(manifest.total_documents, 'document')} in {result.seconds:.1f} s.")
        return BackupDone(result.path.name, summary, tuple(path.name for path in result.removed), tuple(result.notes))

    def verify(self, name: str, on_progress: ProgressSink | None = None) -> VerifyOutcome:
        """Check an archive against its manifest; a damaged archive is an outcome, not an error."""
        path = self._path(name)
        try:
            manifest = self._backups.verify(self._principal(), path, ProgressRelay(on_progress))
        except ArchiveError as exc:
            self._verified.remember(path, False, exc.message)
            return VerifyOutcome(name, False, exc.message)
        message = (f"All {len(manifest.files) + 1} files match the manifest "
                   f"({count(manifest.total_rows, 'row')}, {count(manifest.total_documents, 'document')}).")
        self._verified.remember(path, True, message)
        return VerifyOutcome(name, True, message)

    def restore(self, name: str, typed: str, on_progress: ProgressSink | None = None) -> RestoreOutcome:
        """Replace both databases' data with the archive's, once its name was typed to confirm."""
        if not confirms(name, typed):
            raise ValidationError(WRONG_NAME, field="confirm")
        path = self._path(name)
        try:
            report = self._backups.restore(self._principal(), path, progress=ProgressRelay(on_progress))
        except ArchiveError as exc:
            self._verified.remember(path, False, exc.message)
            raise ArchiveError(f"Restore refused, nothing was changed: {exc.message}") from None
        # The restore read and checked the whole archive before using it.
        self._verified.remember(path, True, "Checked in full by the restore.")
        return RestoreOutcome(name, report.ok, not report.drift, tuple(report.lines()))

    def _path(self, name: str) -> Path:
        # Names come from the listing; anything else (a path, '..') is refused outright.
        if not ARCHIVE_NAME.match(name):
            raise ValidationError(f"{name[:80]!r} is not a SkillHub archive name.")
        # A file gone since the listing is the service's to report, after its role check.
        return self._backups.directory / name

    def _row(self, info: ArchiveInfo) -> ArchiveRow:
        name, size = info.path.name, human_size(info.size)
        manifest = info.manifest
        if manifest is None:
            error = info.error or "the manifest cannot be read"
            return ArchiveRow(name, _taken_from_name(name), size, "unreadable", "—", Verification.UNREADABLE,
                              (name,), f"Unreadable, so it cannot be restored: {error}")
        detail: tuple[str, ...] = (name, _postgres_line(manifest), _mongo_line(manifest))
        record = self._verified.recall(info.path)
        alert = None
        if record is None:
            verification = Verification.UNKNOWN
            detail += ("Verified: not yet (v checks every file against the manifest)",)
        elif record.passed:
            verification = Verification.PASSED
            detail += (f"Verified: {record.message}",)
        else:
            verification, alert = Verification.FAILED, f"Verification FAILED: {record.message}"
        return ArchiveRow(
            name, f"{manifest.created_at:%Y-%m-%d %H:%M:%S}", size,
            count(manifest.total_rows, "row"), count(manifest.total_documents, "document"), verification,
            detail, alert, manifest.total_rows, manifest.total_documents,
        )


def _postgres_line(manifest: Manifest) -> str:
    return (f"PostgreSQL: {count(len(manifest.tables), 'table')}, {count(manifest.total_rows, 'row')} "
            f"· Alembic revision {manifest.alembic_revision or 'none'}")


def _mongo_line(manifest: Manifest) -> str:
    return (f"MongoDB: {count(len(manifest.collections), 'collection')}, "
            f"{count(manifest.total_documents, 'document')}")


def _taken_from_name(name: str) -> str:
    match = ARCHIVE_NAME.match(name)
    if match is None:
        return "?"
    taken = datetime.strptime(match.group(1), TIME_FORMAT).replace(tzinfo=UTC)
    return f"{taken:%Y-%m-%d %H:%M:%S}"
