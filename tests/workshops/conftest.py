"""Fixtures for the workshops module: schedule workshops and make learners in one line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from domain.clock import fixed_clock
from domain.models.users import Principal, Role
from domain.models.workshops import Workshop, WorkshopInput
from domain.services.container import Services
from domain.services.registrations import RegistrationService
from tests.conftest import NOW, make_user

NEXT_WEEK = NOW + timedelta(days=7)

Schedule = Callable[..., Workshop]
MakeLearners = Callable[[int], list[Principal]]


def workshop_input(trainer_id: object, **overrides: object) -> WorkshopInput:
    values: dict[str, object] = dict(title="Writing clean SQL", trainer_id=trainer_id, starts_at=NEXT_WEEK,
                                     duration_minutes=120, capacity=10, description="Joins and windows",
                                     place="Room A")
    values.update(overrides)
    return WorkshopInput(**values)  # type: ignore[arg-type]


@pytest.fixture
def schedule(services: Services, trainer: Principal) -> Schedule:
    """Create a workshop run by `by` (the trainer by default)."""

    def make(by: Principal | None = None, **overrides: object) -> Workshop:
        owner = by or trainer
        return services.workshops.create(owner, workshop_input(owner.user_id, **overrides))

    return make


@pytest.fixture
def make_learners(services: Services) -> MakeLearners:
    made: list[int] = []

    def make(count: int) -> list[Principal]:
        start = len(made)
        people = [
            make_user(services, f"learner{start + i:03d}@example.org", Role.LEARNER, f"Learner {start + i:03d}")
            for i in range(count)
        ]
        made.extend(p.user_id for p in people)
        return people

    return make


@pytest.fixture
def other_trainer(services: Services) -> Principal:
    return make_user(services, "other.trainer@example.org", Role.TRAINER, "Olga Other")


def at(days: float) -> datetime:
    return NOW + timedelta(days=days)


def once_started(services: Services, workshop: Workshop) -> RegistrationService:
    """Registrations as seen when `workshop` starts: its attendance may be marked."""
    return services.registrations.with_clock(fixed_clock(workshop.starts_at))
