"""Deterministic workshop data for the Workshops TUI tests (people, workshops, registrations)."""

from __future__ import annotations

from datetime import timedelta

from domain.models.users import Principal, Role
from domain.models.workshops import Workshop, WorkshopInput
from domain.services.container import Services
from tests.conftest import NOW, make_user

LEARNER_NAMES = ["Lea Dubois", "Lucas Thomas", "Chloe Robert", "Nathan Richard", "Emma Petit", "Hugo Durand"]


def learners(services: Services, count: int = len(LEARNER_NAMES)) -> list[Principal]:
    """Learners named after LEARNER_NAMES, emails first.last@example.org."""
    return [
        make_user(services, f"{name.lower().replace(' ', '.')}@example.org", Role.LEARNER, name)
        for name in LEARNER_NAMES[:count]
    ]


def schedule(services: Services, by: Principal, title: str, days: float, capacity: int = 10,
             duration: int = 120, place: str | None = "Room A - Lyon", trainer: Principal | None = None) -> Workshop:
    """A workshop starting `days` after the tests' NOW, created by `by` for `trainer` (themselves by default)."""
    return services.workshops.create(by, WorkshopInput(
        title=title, trainer_id=(trainer or by).user_id, starts_at=NOW + timedelta(days=days),
        duration_minutes=duration, capacity=capacity, description="A workshop of the TUI tests.", place=place,
    ))


def register(services: Services, workshop: Workshop, *people: Principal) -> None:
    """Each learner registers themselves, in order (a full workshop puts the rest on its waitlist)."""
    for person in people:
        services.registrations.register(person, workshop.id)
