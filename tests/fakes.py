"""A fake unit of work: in-memory repositories for the fast tier (no server, no socket).

It stands in for `domain.repositories.sql.unit_of_work.UnitOfWork` with the parts the fast
service tests reach: `uow.users`, `uow.workshops`, `uow.ledger` and `uow.outbox`, `commit()`
and `sync`. Like the real one, it keeps nothing that was not committed (the store is copied
on the way in and put back on the way out unless committed) and "relays" the outbox records
of a commit on the way out. A repository method a test does not need raises, so a fast test
that strays onto a path the fake does not model fails loudly instead of passing by accident.
Everything else (queries, locks, the outbox relay to MongoDB) is tested against real servers.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from domain.models.sync import SyncStatus
from domain.models.users import Role, User
from domain.models.workshops import Registration, Workshop, WorkshopStatus


@dataclass
class Store:
    """What the fake "database" holds, shared by every unit of work of one test."""

    users: dict[int, User] = field(default_factory=dict)
    workshops: dict[int, Workshop] = field(default_factory=dict)
    registrations: dict[tuple[int, int], Registration] = field(default_factory=dict)
    outbox: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    journal: list[Any] = field(default_factory=list)
    relayed: list[int] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_user(self, email: str, full_name: str, role: Role, at: datetime, active: bool = True) -> User:
        user = User(next(self.ids), email, full_name, role, active, at, at)
        self.users[user.id] = user
        return user

    def snapshot(self) -> dict[str, Any]:
        return {name: copy.copy(getattr(self, name)) for name in ("users", "workshops", "registrations", "outbox", "journal")}

    def restore(self, saved: dict[str, Any]) -> None:
        for name, value in saved.items():
            setattr(self, name, value)


class _Part:
    def __init__(self, store: Store) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"the fake {type(self).__name__} has no {name}(): test it against real servers")


class FakeUsers(_Part):
    def get(self, user_id: int) -> User | None:
        return self.store.users.get(user_id)

    def get_many(self, user_ids: list[int]) -> dict[int, User]:
        return {i: self.store.users[i] for i in user_ids if i in self.store.users}


class FakeWorkshops(_Part):
    def add(self, values: dict[str, Any], now: datetime) -> int:
        workshop_id = next(self.store.ids)
        trainer = self.store.users[values["trainer_id"]]
        self.store.workshops[workshop_id] = Workshop(
            id=workshop_id, title=values["title"], description=values["description"], place=values["place"],
            trainer_id=trainer.id, trainer_name=trainer.full_name, starts_at=values["starts_at"],
            duration_minutes=values["duration_minutes"], capacity=values["capacity"], seats_taken=0, waitlisted=0,
            status=WorkshopStatus.SCHEDULED, cancel_reason=None, cancelled_at=None, registrations_ever=0,
            created_at=now, updated_at=now)
        return workshop_id

    def get(self, workshop_id: int, lock: bool = False) -> Workshop | None:
        return self.store.workshops.get(workshop_id)

    def get_with_person(self, workshop_id: int, user_id: int) -> tuple[Workshop | None, User | None]:
        workshop = self.store.workshops.get(workshop_id)
        return (workshop, self.store.users.get(user_id)) if workshop is not None else (None, None)

    def update(self, workshop_id: int, now: datetime, **values: Any) -> None:
        self.store.workshops[workshop_id] = replace(self.store.workshops[workshop_id], updated_at=now, **values)

    def cancel(self, workshop_id: int, reason: str, now: datetime) -> None:
        self.update(workshop_id, now, status=WorkshopStatus.CANCELLED, cancel_reason=reason, cancelled_at=now)

    def delete_unregistered(self, workshop_id: int) -> bool:
        if self.store.workshops[workshop_id].registrations_ever:
            return False
        del self.store.workshops[workshop_id]
        return True


class FakeLedger(_Part):
    def get(self, workshop_id: int, learner_id: int, lock: bool = False) -> Registration | None:
        return self.store.registrations.get((workshop_id, learner_id))

    def cancel_all_active(self, workshop_id: int, reason: str, now: datetime) -> list[Any]:
        return []

    def active_in(self, workshop_id: int) -> list[Registration]:
        return [r for (wid, _), r in sorted(self.store.registrations.items()) if wid == workshop_id and r.status.active]


class FakeJournal(_Part):
    def add(self, rows: list[Any]) -> None:
        self.store.journal += rows

    def next_batch_id(self) -> str:
        return str(next(self.store.ids))


class FakeOutbox(_Part):
    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.added: list[int] = []

    def add(self, kind: str, payload: dict[str, Any]) -> int:
        record_id = next(self.store.ids)
        self.store.outbox.append((record_id, kind, payload))
        self.added.append(record_id)
        return record_id

    def add_later(self, kind: str, payload: dict[str, Any]) -> None:
        self.add(kind, payload)


class FakeUnitOfWork:
    """`with uow: ... uow.commit()` over a `Store`; rolls back unless committed, "relays" after a commit."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.committed = False
        self.sync = SyncStatus(True)
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> Self:
        self._saved = self.store.snapshot()
        self.committed = False
        self.users, self.workshops = FakeUsers(self.store), FakeWorkshops(self.store)
        self.ledger, self.outbox = FakeLedger(self.store), FakeOutbox(self.store)
        self.journal = FakeJournal(self.store)
        return self

    def commit(self) -> None:
        self.committed = True

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self.committed:
            self.store.restore(self._saved)
        elif exc is None and self.outbox.added:
            self.store.relayed += self.outbox.added
            self.sync = SyncStatus(True, applied=len(self.outbox.added))


def fake_uow_factory(store: Store) -> Any:
    """A unit-of-work factory over `store`, as the services take one."""
    return lambda: FakeUnitOfWork(store)
