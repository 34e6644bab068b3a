"""Queries on `change_journal`: what each undoable change did, and which undo took it back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from domain.models.bulk import JournalRow
from domain.repositories.sql.schema import change_batch_seq, change_journal

_J = change_journal.c
_COLUMNS = (_J.batch_id, _J.row_no, _J.action, _J.workshop_id, _J.subject_id, _J.actor_id, _J.at, _J.before,
            _J.after, _J.undone_by, _J.undone_at)


def _row(row: Any) -> JournalRow:
    return JournalRow(row.batch_id, row.row_no, row.action, row.workshop_id, row.subject_id, row.actor_id, row.at,
                      dict(row.before), dict(row.after), row.undone_by, row.undone_at)


class ChangeJournal:
    """Write journal rows with their change, lock and mark them when undone."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def next_batch_id(self) -> str:
        """A new batch id: the next number of `change_batch_seq`, as text (the same on every fresh database
        that makes the same changes, so the demo dumps stay the same)."""
        return str(self.conn.execute(change_batch_seq.next_value()).scalar_one())

    def skip_batch_ids(self, through: int) -> None:
        """Let the next batch id come after `through` (loaded data names batches up to it)."""
        self.conn.execute(select(func.setval(change_batch_seq.name, func.greatest(through, 1))))

    def add(self, rows: list[JournalRow]) -> None:
        if rows:
            self.conn.execute(insert(change_journal), [
                dict(batch_id=r.batch_id, row_no=r.row_no, action=r.action, workshop_id=r.workshop_id,
                     subject_id=r.subject_id, actor_id=r.actor_id, at=r.at, before=r.before, after=r.after)
                for r in rows
            ])

    def lock(self, batch_id: str, row_no: int | None = None) -> list[JournalRow]:
        """The rows of a batch (or its one row `row_no`), locked until the transaction ends:
        a second undo of the same rows waits here, then finds them undone."""
        stmt = select(*_COLUMNS).where(_J.batch_id == batch_id)
        if row_no is not None:
            stmt = stmt.where(_J.row_no == row_no)
        return [_row(r) for r in self.conn.execute(stmt.order_by(_J.row_no).with_for_update()).all()]

    def rows(self, batch_id: str) -> list[JournalRow]:
        stmt = select(*_COLUMNS).where(_J.batch_id == batch_id).order_by(_J.row_no)
        return [_row(r) for r in self.conn.execute(stmt).all()]

    def mark_undone(self, batch_id: str, row_nos: list[int], undo_batch: str, now: datetime) -> None:
        if row_nos:
            self.conn.execute(
                update(change_journal).where(_J.batch_id == batch_id, _J.row_no.in_(row_nos), _J.undone_by.is_(None))
                .values(undone_by=undo_batch, undone_at=now)
            )

    def latest_batch(self, actor_id: int) -> str | None:
        """The batch this actor changed last (what the notification's undo takes back)."""
        return self.conn.execute(
            select(_J.batch_id).where(_J.actor_id == actor_id).order_by(_J.at.desc(), _J.id.desc()).limit(1)
        ).scalar_one_or_none()
