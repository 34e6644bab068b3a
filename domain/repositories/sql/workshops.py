"""Queries on `workshops`: the entity, its paged list, and the atomic seat counter."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    Update,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from domain.models.paging import Page, PageRequest
from domain.models.users import User
from domain.models.workshops import Workshop, WorkshopQuery, WorkshopScope, WorkshopSort, WorkshopStatus
from domain.repositories.sql.schema import registration_ledger, users, workshops
from domain.repositories.sql.scores import ScoreTables
from domain.repositories.sql.search import contains, search_keys
from domain.repositories.sql.users import person_columns, person_from

_W = workshops.c
_COLUMNS = (
    _W.id, _W.title, _W.description, _W.place, _W.trainer_id, users.c.full_name.label("trainer_name"),
    _W.starts_at, _W.duration_minutes, _W.capacity, _W.seats_taken, _W.waitlisted, _W.status,
    _W.cancel_reason, _W.cancelled_at, _W.registrations_ever, _W.created_at, _W.updated_at,
)
_FROM = workshops.join(users, users.c.id == _W.trainer_id)
SCHEDULED = WorkshopStatus.SCHEDULED.value


def _workshop(row: Any) -> Workshop:
    return Workshop(
        id=row.id, title=row.title, description=row.description, place=row.place, trainer_id=row.trainer_id,
        trainer_name=row.trainer_name, starts_at=row.starts_at, duration_minutes=row.duration_minutes,
        capacity=row.capacity, seats_taken=row.seats_taken, waitlisted=row.waitlisted,
        status=WorkshopStatus(row.status), cancel_reason=row.cancel_reason, cancelled_at=row.cancelled_at,
        registrations_ever=row.registrations_ever, created_at=row.created_at, updated_at=row.updated_at,
    )


def search_condition(term: str) -> ColumnElement[bool]:
    """Title or trainer name contains `term` whatever the case, literally (wildcards typed by a
    person are text).

    The trainer ids are gathered once by an ARRAY(subquery) so PostgreSQL can combine the
    trigram indexes of the title's and the names' search keys and the trainer index instead
    of joining every row."""
    trainer_ids = select(users.c.id).where(contains(users.c.full_name_search, term)).scalar_subquery()
    return or_(contains(_W.title_search, term), _W.trainer_id == any_(func.array(trainer_ids)))


def seat_update(workshop_id: Any, now: Any) -> Update:
    """The capacity rule as one statement (see `WorkshopRepository.take_seat`): returns the id when a seat was taken."""
    return (
        update(workshops)
        .where(_W.id == workshop_id, _W.status == SCHEDULED, _W.seats_taken < _W.capacity, _W.waitlisted == 0)
        .values(seats_taken=_W.seats_taken + 1, registrations_ever=_W.registrations_ever + 1, updated_at=now)
        .returning(_W.id)
    )


def _with_person() -> Select[Any]:
    person = users.alias("person")
    return (select(*_COLUMNS, *person_columns(person, "person_"))
            .select_from(_FROM.outerjoin(person, person.c.id == bindparam("user_id", type_=BigInteger)))
            .where(_W.id == bindparam("workshop_id", type_=BigInteger)))


# Built once: `get_with_person` runs on every registration.
_WITH_PERSON = _with_person()


class WorkshopRepository:
    """Read and write workshops inside the caller's unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- the entity -------------------------------------------------------------------
    def add(self, values: dict[str, Any], now: datetime) -> int:
        return self.conn.execute(
            insert(workshops).values(**values, **search_keys(title=values["title"]), created_at=now, updated_at=now)
            .returning(_W.id)
        ).scalar_one()

    def get(self, workshop_id: int, lock: bool = False) -> Workshop | None:
        """The workshop; `lock` takes its row lock, which orders every registration change."""
        if lock:
            # The same lock mode an UPDATE of the row takes (FOR NO KEY UPDATE), so every change
            # of the workshop's registrations queues on one lock; the trainer's row is not locked.
            found = self.conn.execute(
                select(_W.id).where(_W.id == workshop_id).with_for_update(key_share=True)
            ).scalar_one_or_none()
            if found is None:
                return None
        row = self.conn.execute(select(*_COLUMNS).select_from(_FROM).where(_W.id == workshop_id)).one_or_none()
        return _workshop(row) if row else None

    def get_with_person(self, workshop_id: int, user_id: int) -> tuple[Workshop | None, User | None]:
        """The workshop and one user, in one round trip (a registration reads both before it
        decides); (None, None) when there is no such workshop."""
        row = self.conn.execute(_WITH_PERSON, {"workshop_id": workshop_id, "user_id": user_id}).one_or_none()
        if row is None:
            return None, None
        return _workshop(row), person_from(row, "person_")

    def get_many(self, workshop_ids: list[int]) -> dict[int, Workshop]:
        if not workshop_ids:
            return {}
        rows = self.conn.execute(select(*_COLUMNS).select_from(_FROM).where(_W.id.in_(set(workshop_ids)))).all()
        return {row.id: _workshop(row) for row in rows}

    def existing_ids(self, workshop_ids: list[int]) -> set[int]:
        if not workshop_ids:
            return set()
        return set(self.conn.execute(select(_W.id).where(_W.id.in_(set(workshop_ids)))).scalars())

    def update(self, workshop_id: int, now: datetime, **values: Any) -> None:
        keys = search_keys(title=values["title"]) if "title" in values else {}
        self.conn.execute(update(workshops).where(_W.id == workshop_id).values(updated_at=now, **values, **keys))
        if "starts_at" in values or "status" in values:
            ScoreTables(self.conn).workshop_changed(workshop_id)

    def cancel(self, workshop_id: int, reason: str, now: datetime) -> None:
        """Mark cancelled and free every seat (the caller cancels the registrations)."""
        self.conn.execute(
            update(workshops).where(_W.id == workshop_id).values(
                status=WorkshopStatus.CANCELLED.value, cancel_reason=reason, cancelled_at=now,
                seats_taken=0, waitlisted=0, updated_at=now,
            )
        )
        ScoreTables(self.conn).workshop_changed(workshop_id)

    def delete_unregistered(self, workshop_id: int) -> bool:
        """Delete the workshop if nobody ever registered; False if someone did."""
        result = self.conn.execute(delete(workshops).where(_W.id == workshop_id, _W.registrations_ever == 0))
        return result.rowcount == 1

    # -- the seat counter ---------------------------------------------------------------
    def take_seat(self, workshop_id: int, now: datetime) -> bool:
        """Take one seat atomically if one is free and nobody is waiting for it.

        The single conditional UPDATE is the capacity rule: PostgreSQL serialises
        concurrent updates of the row and re-checks the condition, so whatever the
        concurrency, no more than `capacity` seats are ever counted (the CHECK is the
        safety net). The row stays locked until the transaction ends."""
        return self.conn.execute(seat_update(workshop_id, now)).first() is not None

    def join_waitlist(self, workshop_id: int, now: datetime) -> int | None:
        """Hand out the next waitlist position if the workshop is full or has a queue."""
        stmt = (
            update(workshops)
            .where(_W.id == workshop_id, _W.status == SCHEDULED,
                   or_(_W.seats_taken >= _W.capacity, _W.waitlisted > 0))
            .values(waitlisted=_W.waitlisted + 1, waitlist_seq=_W.waitlist_seq + 1,
                    registrations_ever=_W.registrations_ever + 1, updated_at=now)
            .returning(_W.waitlist_seq)
        )
        return self.conn.execute(stmt).scalar_one_or_none()

    def promote_seat(self, workshop_id: int, now: datetime) -> bool:
        """Move one learner from the queue to a seat, if a seat is free (same atomic rule)."""
        stmt = (
            update(workshops)
            .where(_W.id == workshop_id, _W.status == SCHEDULED, _W.seats_taken < _W.capacity, _W.waitlisted > 0)
            .values(seats_taken=_W.seats_taken + 1, waitlisted=_W.waitlisted - 1, updated_at=now)
            .returning(_W.id)
        )
        return self.conn.execute(stmt).first() is not None

    def restore_seat(self, workshop_id: int, now: datetime) -> bool:
        """Give back a cancelled learner's seat (undo) if one is free: the same conditional UPDATE
        as `take_seat`, so an undo never exceeds the capacity either; waiting learners do not
        stop it (the seat was theirs before anyone was promoted to it)."""
        stmt = (
            update(workshops)
            .where(_W.id == workshop_id, _W.status == SCHEDULED, _W.seats_taken < _W.capacity)
            .values(seats_taken=_W.seats_taken + 1, updated_at=now)
            .returning(_W.id)
        )
        return self.conn.execute(stmt).first() is not None

    def rejoin_waitlist(self, workshop_id: int, now: datetime) -> bool:
        """Count one more learner waiting (undo puts them back at their former position)."""
        stmt = (
            update(workshops).where(_W.id == workshop_id, _W.status == SCHEDULED)
            .values(waitlisted=_W.waitlisted + 1, updated_at=now).returning(_W.id)
        )
        return self.conn.execute(stmt).first() is not None

    def reopen(self, workshop_id: int, now: datetime) -> None:
        """Scheduled again, with no seat taken (undo puts the registrations back one by one)."""
        self.conn.execute(
            update(workshops).where(_W.id == workshop_id).values(
                status=SCHEDULED, cancel_reason=None, cancelled_at=None, seats_taken=0, waitlisted=0, updated_at=now,
            )
        )

    def release_seat(self, workshop_id: int, now: datetime) -> None:
        self.conn.execute(
            update(workshops).where(_W.id == workshop_id, _W.seats_taken > 0)
            .values(seats_taken=_W.seats_taken - 1, updated_at=now)
        )

    def leave_waitlist(self, workshop_id: int, now: datetime) -> None:
        self.conn.execute(
            update(workshops).where(_W.id == workshop_id, _W.waitlisted > 0)
            .values(waitlisted=_W.waitlisted - 1, updated_at=now)
        )

    def set_counters(self, workshop_id: int, seats_taken: int, waitlisted: int, now: datetime) -> None:
        self.conn.execute(
            update(workshops).where(_W.id == workshop_id)
            .values(seats_taken=seats_taken, waitlisted=waitlisted, updated_at=now)
        )

    # -- lists ------------------------------------------------------------------------------
    def _scoped(self, query: WorkshopQuery, now: datetime, viewer_id: int) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if query.scope is WorkshopScope.UPCOMING:
            conditions += [_W.status == SCHEDULED, _W.starts_at >= now]
        elif query.scope is WorkshopScope.PAST:
            conditions += [_W.status == SCHEDULED, _W.starts_at < now]
        elif query.scope is WorkshopScope.CANCELLED:
            conditions.append(_W.status == WorkshopStatus.CANCELLED.value)
        else:
            conditions += [_W.trainer_id == viewer_id, _W.status == SCHEDULED]
        if query.search:
            conditions.append(search_condition(query.search))
        return conditions

    @staticmethod
    def _ordered(stmt: Select[Any], query: WorkshopQuery) -> Select[Any]:
        if query.sort is WorkshopSort.FILL_RATE:
            return stmt.order_by(_W.fill_permille.desc(), _W.starts_at, _W.id)
        if query.scope is WorkshopScope.UPCOMING:
            return stmt.order_by(_W.starts_at, _W.id)
        return stmt.order_by(_W.starts_at.desc(), _W.id.desc())

    def list(self, query: WorkshopQuery, page: PageRequest, now: datetime, viewer_id: int,
             only_with_seats: bool = False) -> Page[Workshop]:
        """One page (LIMIT/OFFSET on an index order) and the total of the filtered list."""
        conditions = self._scoped(query, now, viewer_id)
        if only_with_seats:
            conditions.append(_W.seats_taken < _W.capacity)
        total = self.conn.execute(select(func.count()).select_from(workshops).where(*conditions)).scalar_one()
        stmt = select(*_COLUMNS).select_from(_FROM).where(*conditions)
        rows = self.conn.execute(self._ordered(stmt, query).limit(page.size).offset(page.offset)).all()
        return Page([_workshop(r) for r in rows], total, page)

    def ids(self, query: WorkshopQuery, now: datetime, viewer_id: int, limit: int) -> tuple[builtins.list[int], int]:
        """The ids of the whole filtered list (at most `limit`, in list order) and how many match."""
        conditions = self._scoped(query, now, viewer_id)
        total = self.conn.execute(select(func.count()).select_from(workshops).where(*conditions)).scalar_one()
        stmt = select(_W.id).select_from(workshops).where(*conditions)
        return list(self.conn.execute(self._ordered(stmt, query).limit(limit)).scalars()), total

    def started_between(self, since: datetime, until: datetime) -> builtins.list[int]:
        """Ids of the scheduled workshops that started in [since, until): their attendance
        counts in a leaderboard period (index `ix_workshops_status_starts`)."""
        return list(self.conn.execute(
            select(_W.id).where(_W.status == SCHEDULED, _W.starts_at >= since, _W.starts_at < until).order_by(_W.id)
        ).scalars())

    # -- doctor ---------------------------------------------------------------------------
    def counter_drift(self) -> builtins.list[tuple[int, int, int, int, int, int]]:
        """Workshops whose counters differ from the ledger:
        (id, capacity, seats_taken, confirmed, waitlisted, waiting)."""
        L = registration_ledger.c
        counts = (
            select(
                L.workshop_id,
                func.count().filter(L.status == "confirmed").label("confirmed"),
                func.count().filter(L.status == "waitlisted").label("waiting"),
            ).group_by(L.workshop_id).subquery()
        )
        confirmed = func.coalesce(counts.c.confirmed, 0)
        waiting = func.coalesce(counts.c.waiting, 0)
        rows = self.conn.execute(
            select(_W.id, _W.capacity, _W.seats_taken, confirmed.label("confirmed"), _W.waitlisted,
                   waiting.label("waiting"))
            .select_from(workshops.outerjoin(counts, counts.c.workshop_id == _W.id))
            .where(or_(_W.seats_taken != confirmed, _W.waitlisted != waiting))
            .order_by(_W.id)
        ).all()
        return [(r.id, r.capacity, r.seats_taken, r.confirmed, r.waitlisted, r.waiting) for r in rows]

    def seats_taken(self, workshop_ids: builtins.list[int]) -> dict[int, int]:
        """seats_taken of these workshops and of every workshop with a seat taken."""
        rows = self.conn.execute(
            select(_W.id, _W.seats_taken).where(or_(_W.seats_taken > 0, _W.id.in_(set(workshop_ids))))
        ).all()
        return {r.id: r.seats_taken for r in rows}

    def free_seats_with_queue(self) -> builtins.list[int]:
        """Scheduled workshops with a free seat while someone waits (promotion was missed)."""
        return list(self.conn.execute(
            select(_W.id).where(and_(_W.status == SCHEDULED, _W.seats_taken < _W.capacity, _W.waitlisted > 0))
            .order_by(_W.id)
        ).scalars())
