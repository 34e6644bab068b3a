"""Queries on `registration_ledger`: the authoritative state of each learner's registration.

Every write here happens while the caller holds the workshop's row lock (taken by the
seat UPDATE or `WorkshopRepository.get(lock=True)`), so the ledger, the seat counter and
the waitlist order always change together and in one order per workshop.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Insert,
    Label,
    Select,
    Update,
    bindparam,
    func,
    insert,
    literal,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from domain.models.paging import Page, PageRequest
from domain.models.workshops import Attendance, Registration, RegistrationStatus
from domain.repositories.sql.schema import registration_ledger
from domain.repositories.sql.workshops import seat_update

_L = registration_ledger.c
_COLUMNS = (
    _L.workshop_id, _L.learner_id, _L.attempt, _L.status, _L.waitlist_position, _L.registered_at, _L.updated_at,
    _L.attendance, _L.attendance_at, _L.attendance_by, _L.cancel_reason, _L.version,
)
CONFIRMED = RegistrationStatus.CONFIRMED.value
WAITLISTED = RegistrationStatus.WAITLISTED.value
CANCELLED = RegistrationStatus.CANCELLED.value


def _registration(row: Any) -> Registration:
    return Registration(
        workshop_id=row.workshop_id, learner_id=row.learner_id, attempt=row.attempt,
        status=RegistrationStatus(row.status), waitlist_position=row.waitlist_position,
        registered_at=row.registered_at, updated_at=row.updated_at,
        attendance=Attendance(row.attendance) if row.attendance else None,
        attendance_at=row.attendance_at, attendance_by=row.attendance_by,
        cancel_reason=row.cancel_reason, version=row.version,
    )


def _waitlist_rank() -> Label[int]:
    """For the ledger row being selected: how many in its workshop wait at or before it."""
    other = registration_ledger.alias("other")
    return (
        select(func.count()).select_from(other)
        .where(other.c.workshop_id == _L.workshop_id, other.c.status == WAITLISTED,
               other.c.waitlist_position <= _L.waitlist_position)
        .scalar_subquery().label("rank")
    )


def _seat_first_attempt() -> Select[Any]:
    """The statement of `RegistrationLedger.seat_first_attempt`, built once (bound parameters
    workshop_id, learner_id, now): the seat UPDATE and the ledger INSERT as two CTEs."""
    now = bindparam("now", type_=DateTime(timezone=True))
    seat = seat_update(bindparam("workshop_id", type_=BigInteger), now).cte("seat")
    values = select(seat.c.id, bindparam("learner_id", type_=BigInteger), literal(1), literal(CONFIRMED), now, now,
                    literal(1)).select_from(seat)
    attempt = (
        pg_insert(registration_ledger)
        .from_select(["workshop_id", "learner_id", "attempt", "status", "registered_at", "updated_at", "version"],
                     values)
        .on_conflict_do_nothing(index_elements=[_L.workshop_id, _L.learner_id])
        .returning(*_COLUMNS).cte("attempt")
    )
    seated = select(func.count()).select_from(seat).scalar_subquery().label("seated")
    one = select(literal(1).label("one")).subquery("one")
    return select(seated, *attempt.c).select_from(one.outerjoin(attempt, true()))


_SEAT_FIRST_ATTEMPT = _seat_first_attempt()


class RegistrationLedger:
    """Read and write ledger rows inside the caller's unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, workshop_id: int, learner_id: int, lock: bool = False) -> Registration | None:
        stmt = select(*_COLUMNS).where(_L.workshop_id == workshop_id, _L.learner_id == learner_id)
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).one_or_none()
        return _registration(row) if row else None

    def seat_first_attempt(self, workshop_id: int, learner_id: int, now: datetime) -> tuple[bool, Registration | None]:
        """Take a seat (`WorkshopRepository.take_seat`'s rule) and insert the learner's first,
        confirmed attempt, in one statement: (a seat was taken, the attempt). The attempt is
        None when no seat was free (nothing was written) or when the learner already has a
        row: the seat is then taken all the same, for the caller to give to their next
        attempt or to roll back."""
        row = self.conn.execute(_SEAT_FIRST_ATTEMPT, {"workshop_id": workshop_id, "learner_id": learner_id,
                                                      "now": now}).one()
        return bool(row.seated), _registration(row) if row.workshop_id is not None else None

    def start_first_attempt(self, workshop_id: int, learner_id: int, status: RegistrationStatus,
                            waitlist_position: int | None, now: datetime) -> Registration | None:
        """Insert the learner's first attempt in one statement; None when they already have a row
        (the caller then reads it with `get(lock=True)` and goes on with `start_attempt`)."""
        stmt = (
            pg_insert(registration_ledger)
            .values(workshop_id=workshop_id, learner_id=learner_id, attempt=1, version=1, status=status.value,
                    waitlist_position=waitlist_position, registered_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=[_L.workshop_id, _L.learner_id])
            .returning(*_COLUMNS)
        )
        row = self.conn.execute(stmt).one_or_none()
        return _registration(row) if row else None

    def start_attempt(self, previous: Registration | None, workshop_id: int, learner_id: int,
                      status: RegistrationStatus, waitlist_position: int | None, now: datetime) -> Registration:
        """Insert the first attempt, or start the next one after a cancelled attempt."""
        values = dict(status=status.value, waitlist_position=waitlist_position, registered_at=now, updated_at=now,
                      cancel_reason=None, attendance=None, attendance_at=None, attendance_by=None)
        stmt: Insert | Update
        if previous is None:
            stmt = insert(registration_ledger).values(workshop_id=workshop_id, learner_id=learner_id, attempt=1,
                                                      version=1, **values)
        else:
            stmt = (
                update(registration_ledger)
                .where(_L.workshop_id == workshop_id, _L.learner_id == learner_id)
                .values(attempt=_L.attempt + 1, version=_L.version + 1, **values)
            )
        return _registration(self.conn.execute(stmt.returning(*_COLUMNS)).one())

    def set_status(self, workshop_id: int, learner_id: int, status: RegistrationStatus, now: datetime,
                   waitlist_position: int | None = None, reason: str | None = None) -> Registration:
        stmt = (
            update(registration_ledger)
            .where(_L.workshop_id == workshop_id, _L.learner_id == learner_id)
            .values(status=status.value, waitlist_position=waitlist_position, cancel_reason=reason, updated_at=now,
                    version=_L.version + 1)
            .returning(*_COLUMNS)
        )
        return _registration(self.conn.execute(stmt).one())

    def first_waitlisted(self, workshop_id: int) -> Registration | None:
        row = self.conn.execute(
            select(*_COLUMNS).where(_L.workshop_id == workshop_id, _L.status == WAITLISTED)
            .order_by(_L.waitlist_position).limit(1)
        ).one_or_none()
        return _registration(row) if row else None

    def waitlist_rank(self, workshop_id: int, position: int) -> int:
        """1-based place in the queue of the learner holding `position`."""
        return self.conn.execute(
            select(func.count()).select_from(registration_ledger)
            .where(_L.workshop_id == workshop_id, _L.status == WAITLISTED, _L.waitlist_position <= position)
        ).scalar_one()

    def cancel_all_active(self, workshop_id: int, reason: str, now: datetime
                          ) -> list[tuple[RegistrationStatus, Registration]]:
        """Cancel every confirmed or waiting registration; return (status before, row after)."""
        before: dict[int, str] = dict(self.conn.execute(
            select(_L.learner_id, _L.status).where(_L.workshop_id == workshop_id, _L.status != CANCELLED)
        ).all())
        rows = self.conn.execute(
            update(registration_ledger)
            .where(_L.workshop_id == workshop_id, _L.status != CANCELLED)
            .values(status=CANCELLED, waitlist_position=None, cancel_reason=reason, updated_at=now,
                    version=_L.version + 1)
            .returning(*_COLUMNS)
        ).all()
        changed = sorted((_registration(r) for r in rows), key=lambda r: r.learner_id)
        return [(RegistrationStatus(before[r.learner_id]), r) for r in changed]

    def confirmed_ids(self, workshop_id: int, learner_ids: list[int]) -> set[int]:
        return set(self.conn.execute(
            select(_L.learner_id).where(_L.workshop_id == workshop_id, _L.status == CONFIRMED,
                                        _L.learner_id.in_(set(learner_ids)))
        ).scalars())

    def mark_attendance(self, workshop_id: int, learner_ids: list[int], attendance: Attendance, by: int,
                        now: datetime) -> list[Registration]:
        """Set the mark on confirmed registrations that do not have it yet; return the changed ones."""
        rows = self.conn.execute(
            update(registration_ledger)
            .where(_L.workshop_id == workshop_id, _L.status == CONFIRMED, _L.learner_id.in_(set(learner_ids)),
                   _L.attendance.is_distinct_from(attendance.value))
            .values(attendance=attendance.value, attendance_at=now, attendance_by=by, updated_at=now,
                    version=_L.version + 1)
            .returning(*_COLUMNS)
        ).all()
        return [_registration(r) for r in rows]

    def set_attendance(self, workshop_id: int, learner_id: int, attendance: Attendance | None,
                       at: datetime | None, by: int | None, now: datetime) -> Registration:
        """Put back a mark exactly as it was (None clears it): undo of attendance."""
        rows = self.conn.execute(
            update(registration_ledger).where(_L.workshop_id == workshop_id, _L.learner_id == learner_id)
            .values(attendance=attendance.value if attendance else None, attendance_at=at, attendance_by=by,
                    updated_at=now, version=_L.version + 1)
            .returning(*_COLUMNS)
        ).one()
        return _registration(rows)

    def active_in(self, workshop_id: int) -> list[Registration]:
        """Confirmed and waiting registrations, confirmed first, then in waitlist order."""
        rows = self.conn.execute(
            select(*_COLUMNS).where(_L.workshop_id == workshop_id, _L.status != CANCELLED)
            .order_by(_L.status, _L.waitlist_position, _L.learner_id)
        ).all()
        return [_registration(r) for r in rows]

    def learner_ids(self, workshop_id: int, status: RegistrationStatus, limit: int) -> tuple[list[int], int]:
        """Every learner with this status in the workshop (at most `limit`), and how many there are."""
        total = self.conn.execute(
            select(func.count()).select_from(registration_ledger)
            .where(_L.workshop_id == workshop_id, _L.status == status.value)
        ).scalar_one()
        ids = self.conn.execute(
            select(_L.learner_id).where(_L.workshop_id == workshop_id, _L.status == status.value)
            .order_by(_L.waitlist_position, _L.learner_id).limit(limit)
        ).scalars()
        return list(ids), total

    def status_for_learner(self, learner_id: int, workshop_ids: list[int]) -> dict[int, tuple[RegistrationStatus, int | None]]:
        """The learner's status in each workshop, with their 1-based rank when waiting (one query)."""
        if not workshop_ids:
            return {}
        rows = self.conn.execute(
            select(_L.workshop_id, _L.status, _waitlist_rank())
            .where(_L.learner_id == learner_id, _L.workshop_id.in_(set(workshop_ids)))
        ).all()
        return {
            r.workshop_id: (RegistrationStatus(r.status), r.rank if r.status == WAITLISTED else None) for r in rows
        }

    def for_learner(self, learner_id: int, page: PageRequest) -> Page[tuple[Registration, int | None]]:
        """One learner's registrations, one per workshop in its current attempt, newest first,
        each with the learner's 1-based waitlist rank when waiting (index `ix_registration_ledger_learner`)."""
        total = self.conn.execute(
            select(func.count()).select_from(registration_ledger).where(_L.learner_id == learner_id)
        ).scalar_one()
        rows = self.conn.execute(
            select(*_COLUMNS, _waitlist_rank()).where(_L.learner_id == learner_id)
            .order_by(_L.registered_at.desc(), _L.workshop_id.desc()).limit(page.size).offset(page.offset)
        ).all()
        return Page([(_registration(r), r.rank if r.status == WAITLISTED else None) for r in rows], total, page)

    def get_many(self, keys: list[tuple[int, int]]) -> list[Registration]:
        if not keys:
            return []
        rows = self.conn.execute(
            select(*_COLUMNS).where(tuple_(_L.workshop_id, _L.learner_id).in_(keys))
            .order_by(_L.workshop_id, _L.learner_id)
        ).all()
        return [_registration(r) for r in rows]

    def touch(self, keys: list[tuple[int, int]], now: datetime) -> list[Registration]:
        """Bump the version of these rows so their next projection replaces what MongoDB holds."""
        if not keys:
            return []
        rows = self.conn.execute(
            update(registration_ledger).where(tuple_(_L.workshop_id, _L.learner_id).in_(keys))
            .values(version=_L.version + 1, updated_at=now).returning(*_COLUMNS)
        ).all()
        return sorted((_registration(r) for r in rows), key=lambda r: (r.workshop_id, r.learner_id))

    def recount(self, workshop_id: int) -> tuple[int, int]:
        """(confirmed, waitlisted) registrations of one workshop, as the ledger says."""
        row = self.conn.execute(
            select(func.count().filter(_L.status == CONFIRMED), func.count().filter(_L.status == WAITLISTED))
            .where(_L.workshop_id == workshop_id)
        ).one()
        return int(row[0]), int(row[1])

    def versions(self, batch: int = 5000) -> Iterator[tuple[int, int, int, int, str]]:
        """(workshop_id, learner_id, attempt, version, status) of every row, streamed."""
        result = self.conn.execution_options(yield_per=batch).execute(
            select(_L.workshop_id, _L.learner_id, _L.attempt, _L.version, _L.status)
        )
        for row in result:
            yield row.workshop_id, row.learner_id, row.attempt, row.version, row.status
