"""Bulk actions and undo: a batch of rows, what happened to each, and what undo needs to take it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.models.sync import SyncStatus

# One confirmation, one transaction: a batch larger than this is refused before anything is read.
BULK_MAX = 1000


@dataclass(frozen=True)
class BatchMark:
    """Where one activity entry sits in its batch (and, for an undo, which batch it took back)."""

    id: str
    row: int = 0
    rows: int = 1
    undoes: str | None = None

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "row": self.row, "rows": self.rows}
        if self.undoes:
            doc["undoes"] = self.undoes
        return doc


@dataclass(frozen=True)
class Undoable:
    """What a single action hands the activity log so it can be undone: the journal row's content."""

    action: str
    subject_id: int
    before: dict[str, Any]
    after: dict[str, Any]
    workshop_id: int | None = None


@dataclass(frozen=True)
class JournalRow:
    """One changed row of a batch, as `change_journal` keeps it."""

    batch_id: str
    row_no: int
    action: str
    workshop_id: int | None
    subject_id: int
    actor_id: int
    at: datetime
    before: dict[str, Any]
    after: dict[str, Any]
    undone_by: str | None = None
    undone_at: datetime | None = None


@dataclass(frozen=True)
class RowResult:
    """One row of a bulk action or an undo: done, or refused with the reason."""

    key: int
    label: str
    refusal: str | None = None

    @property
    def done(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action (or an undo) did, row by row; `batch_id` is None when nothing changed."""

    action: str
    batch_id: str | None
    rows: list[RowResult]
    sync: SyncStatus = field(default_factory=lambda: SyncStatus(True))
    undoes: str | None = None

    @property
    def done(self) -> list[RowResult]:
        return [r for r in self.rows if r.done]

    @property
    def refused(self) -> list[RowResult]:
        return [r for r in self.rows if not r.done]

    @property
    def summary(self) -> str:
        """One line: how many rows changed and how many were refused."""
        verb = "Undone" if self.undoes else "Done"
        text = f"{verb}: {len(self.done)} of {len(self.rows)} rows."
        if self.refused:
            text += f" {len(self.refused)} refused."
        return text
