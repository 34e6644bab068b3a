"""Undo racing new registrations, each in its own thread with its own connections: seats never exceeded."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from domain.clock import fixed_clock
from domain.config import Settings
from domain.models.bulk import BulkResult
from domain.models.users import Principal
from domain.models.workshops import RegistrationOutcome, RegistrationStatus
from domain.services.container import Services
from tests.conftest import NOW
from tests.harness import services_for
from tests.workshops.conftest import MakeLearners, Schedule
from tests.workshops.test_concurrency import all_at_once, assert_counters_agree

CONFIRMED, WAITLISTED, CANCELLED = RegistrationStatus
SEATS = 8
NEWCOMERS = 8
ROUNDS = 5

pytestmark = pytest.mark.slow


@pytest.fixture
def fleet(services: Services, settings: Settings) -> Iterator[list[Services]]:
    """One set of services per thread (the undo and each newcomer): its own pool and MongoDB client."""
    built = [services_for(settings, clock=fixed_clock(NOW), endpoints=services.endpoints)
             for _ in range(NEWCOMERS + 1)]
    yield built
    for each in built:
        each.close()


def test_undo_racing_new_registrations_never_exceeds_the_capacity(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners,
        fleet: list[Services]) -> None:
    for round_ in range(ROUNDS):
        regulars, newcomers = make_learners(SEATS), make_learners(NEWCOMERS)
        workshop = schedule(title=f"Race {round_}", capacity=SEATS)
        for person in regulars:
            services.registrations.register(person, workshop.id)
        cancelled = services.bulk.cancel_registrations(trainer, workshop.id, [p.user_id for p in regulars], "Oops")
        assert len(cancelled.done) == SEATS

        undo = fleet[0]
        batch, wid = cancelled.batch_id, workshop.id
        calls = [lambda undo=undo, batch=batch: undo.undo.undo(trainer, batch)] + [
            (lambda own=own, person=person, wid=wid: own.registrations.register(person, wid))
            for own, person in zip(fleet[1:], newcomers, strict=True)
        ]
        results = all_at_once(calls)

        undone = results[0]
        assert isinstance(undone, BulkResult)
        outcomes = [r for r in results[1:] if isinstance(r, RegistrationOutcome)]
        taken = Counter(o.registration.status for o in outcomes)
        seats, waiting = assert_counters_agree(services, workshop.id)
        assert seats == SEATS, f"round {round_}"
        # Every seat went either back to a regular (undo) or to a newcomer, never both.
        assert len(undone.done) + taken[CONFIRMED] == SEATS, f"round {round_}"
        assert waiting == taken[WAITLISTED]
        assert all(r.refusal == "The seat has been taken since: the workshop is full." for r in undone.refused)
