"""What bulk actions and undo share: the selection they are given, and one batch written at once.

A batch runs in one transaction; each row in a savepoint (or checked in full before its first
write), so a row the rules refuse leaves no trace and the others still apply. Once every row has been tried, the
journal rows, one activity entry per changed row (all carrying the batch id) and one outbox
record with every registration document are written together, with the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.models.bulk import BULK_MAX, BulkResult, JournalRow, RowResult, Undoable
from domain.models.sync import SyncStatus
from domain.models.users import Principal
from domain.models.workshops import Registration
from domain.repositories.sql.unit_of_work import UnitOfWork
from domain.services.activity import ActivityService
from domain.services.workshop_sync import Change, WorkshopSync
from domain.validation import parse_id

# What a row can be refused for: the rules' own errors, each with its one-line message.
ROW_REFUSALS = (Conflict, NotFound, PermissionDenied, ValidationError)


def selection(values: object, field_name: str, label: str) -> list[int]:
    """The ids of a selection, in the order given, each once; 1 to BULK_MAX of them."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValidationError(f"Choose the {label.lower()}s to act on", field=field_name)
    ids: list[int] = []
    seen: set[int] = set()
    for value in values:
        parsed = parse_id(value, field_name, label)
        if parsed not in seen:
            seen.add(parsed)
            ids.append(parsed)
        if len(ids) > BULK_MAX:
            raise ValidationError(f"A batch takes at most {BULK_MAX} rows: select fewer", field=field_name)
    if not ids:
        raise ValidationError("Select at least one row", field=field_name)
    return ids


@dataclass
class RowDone:
    """What one applied row leaves to write: its journal content, log entry and MongoDB documents."""

    label: str
    entity: str
    entity_id: int
    details: dict[str, Any]
    undo: Undoable | None = None
    changes: list[Change] = field(default_factory=list)
    extra: list[RowResult] = field(default_factory=list)


class BatchWriter:
    """Try each row in its own savepoint, then write what the applied rows did, as one batch."""

    def __init__(self, uow: UnitOfWork, principal: Principal, action: str, now: datetime,
                 undoes: str | None = None) -> None:
        self.uow = uow
        self.principal = principal
        self.action = action
        self.now = now
        self.undoes = undoes
        self.rows: list[RowResult] = []
        self.applied: list[tuple[str, RowDone]] = []
        self.extra_changes: list[Change] = []

    def attempt(self, key: int, label: str, apply: Callable[[], RowDone], action: str | None = None,
                checks_first: bool = False) -> bool:
        """Apply one row; a refusal is kept with its reason and the row leaves nothing behind.

        `checks_first` says that `apply` refuses before its first write, so the row needs no
        savepoint (two round trips less a row); a database error then fails the whole batch."""
        try:
            if checks_first:
                done = apply()
            else:
                with self.uow.savepoint():
                    done = apply()
        except ROW_REFUSALS as refusal:
            self.rows.append(RowResult(key, label, str(refusal)))
            return False
        self.rows.append(RowResult(key, done.label))
        self.rows.extend(done.extra)
        self.applied.append((action or self.action, done))
        return True

    def refuse(self, key: int, label: str, reason: str) -> None:
        self.rows.append(RowResult(key, label, reason))

    def write(self, activity: ActivityService, sync: WorkshopSync) -> str | None:
        """Journal, log and queue the applied rows under one new batch id (None when none applied)."""
        if not self.applied:
            return None
        batch_id = self.uow.journal.next_batch_id()
        journal: list[JournalRow] = []
        changes: list[Change] = []
        for row_no, (_, done) in enumerate(self.applied):
            if done.undo is not None and self.undoes is None:
                u = done.undo
                journal.append(JournalRow(batch_id, row_no, u.action, u.workshop_id, u.subject_id,
                                          self.principal.user_id, self.now, u.before, u.after))
            changes += done.changes
        self.uow.journal.add(journal)
        activity.record_batch(self.uow, self.principal, batch_id, self.undoes,
                              [(action, done.entity, done.entity_id, done.details) for action, done in self.applied])
        changes += self.extra_changes
        if changes:
            sync.queue_changes(self.uow, self.principal, self.now, changes)
        return batch_id

    def result(self, batch_id: str | None, sync: SyncStatus) -> BulkResult:
        return BulkResult(self.action, batch_id, list(self.rows), sync, undoes=self.undoes)


def registration_journal(before: Registration) -> dict[str, Any]:
    """What undo needs of a registration it may restore: its status, waitlist place and attempt."""
    return {"learner_id": before.learner_id, "status": before.status.value,
            "waitlist_position": before.waitlist_position, "attempt": before.attempt}


def attendance_undo(before: Registration, after: Registration) -> Undoable:
    """The journal row of one attendance mark: the former mark (or none) and the new one."""
    return Undoable("registration.attendance", before.learner_id,
                    {"attendance": before.attendance.value if before.attendance else None,
                     "attendance_at": when_text(before.attendance_at), "attendance_by": before.attendance_by,
                     "attempt": before.attempt},
                    {"attendance": after.attendance.value if after.attendance else None}, before.workshop_id)


def workshop_cancel_undo(workshop_id: int, active: list[Registration], now: datetime) -> Undoable:
    """The journal row of a workshop cancellation: the registrations it cancelled, in order."""
    return Undoable("workshop.cancel", workshop_id, {"registrations": [registration_journal(r) for r in active]},
                    {"cancelled_at": when_text(now)}, workshop_id)


def when_text(at: datetime | None) -> str | None:
    """A datetime as the journal keeps it (JSON)."""
    return at.isoformat() if at else None


def from_text(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
