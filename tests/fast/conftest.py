"""The fast tier: services over the fake unit of work (tests/fakes.py), no database server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from domain.clock import fixed_clock
from domain.models.users import Principal, Role, User
from domain.services.activity import ActivityService
from domain.services.registrations import RegistrationService
from domain.services.workshop_sync import WorkshopSync
from domain.services.workshops import WorkshopService
from tests.fakes import Store, fake_uow_factory

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def principal(user: User) -> Principal:
    return Principal(user.id, user.email, user.full_name, user.role, "fast")


@dataclass
class World:
    """The services under test over one store, and the people in it."""

    store: Store
    workshops: WorkshopService
    registrations: RegistrationService
    admin: Principal
    trainer: Principal
    other_trainer: Principal
    learner: Principal
    other_learner: Principal


@pytest.fixture
def world() -> World:
    store = Store()
    clock = fixed_clock(NOW)
    uow = fake_uow_factory(store)
    # The MongoDB repositories are never reached: these tests stop before the relay applies anything.
    activity = ActivityService(None, clock)  # type: ignore[arg-type]
    sync = WorkshopSync(None, None)  # type: ignore[arg-type]
    people = [store.add_user(email, name, role, NOW) for email, name, role in (
        ("admin@example.org", "Ada Admin", Role.ADMIN), ("trainer@example.org", "Tom Trainer", Role.TRAINER),
        ("olga@example.org", "Olga Other", Role.TRAINER), ("lea@example.org", "Lea Learner", Role.LEARNER),
        ("leo@example.org", "Leo Learner", Role.LEARNER))]
    return World(store, WorkshopService(uow, activity, sync, clock),
                 RegistrationService(uow, activity, sync, None, None, clock),  # type: ignore[arg-type]
                 *(principal(p) for p in people))
