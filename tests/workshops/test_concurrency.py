"""Capacity under concurrency: many learners at once, each with their own connections."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from sqlalchemy import text

from domain.clock import fixed_clock
from domain.config import Settings
from domain.models.users import Principal
from domain.models.workshops import RegistrationOutcome, RegistrationStatus
from domain.services.container import Services
from tests.harness import services_for
from tests.conftest import NOW
from tests.workshops.conftest import MakeLearners, Schedule

CONFIRMED, WAITLISTED, CANCELLED = RegistrationStatus
LEARNERS = 50
SEATS = 10
ROUNDS = 10
T = TypeVar("T")

pytestmark = pytest.mark.slow


@pytest.fixture
def fleet(services: Services, settings: Settings) -> Iterator[list[Services]]:
    """One set of services per simulated person: its own engine pool and MongoDB client."""
    built = [services_for(settings, clock=fixed_clock(NOW), endpoints=services.endpoints) for _ in range(LEARNERS)]
    yield built
    for each in built:
        each.close()


def all_at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run every call in its own thread, released together; any exception fails the test."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def assert_counters_agree(services: Services, workshop_id: int) -> tuple[int, int]:
    """seats_taken and the waitlist counter match the ledger and the MongoDB documents."""
    with services.engine.connect() as conn:
        seats, capacity, waiting_counter = conn.execute(
            text("SELECT seats_taken, capacity, waitlisted FROM workshops WHERE id = :id"), {"id": workshop_id}
        ).one()
        ledger = dict(conn.execute(
            text("SELECT status, count(*) FROM registration_ledger WHERE workshop_id = :id GROUP BY status"),
            {"id": workshop_id},
        ).all())
    mongo = Counter(d["status"] for d in services.db["registrations"].find({"workshop_id": workshop_id}))
    assert seats <= capacity
    assert seats == ledger.get("confirmed", 0) == mongo["confirmed"]
    assert waiting_counter == ledger.get("waitlisted", 0) == mongo["waitlisted"]
    return seats, waiting_counter


def test_fifty_learners_racing_for_ten_seats(services: Services, trainer: Principal, schedule: Schedule,
                                             make_learners: MakeLearners, fleet: list[Services]) -> None:
    learners = make_learners(LEARNERS)
    for round_ in range(ROUNDS):
        workshop = schedule(title=f"Race {round_}", capacity=SEATS)
        outcomes: list[RegistrationOutcome] = all_at_once([
            (lambda own=own, learner=learner: own.registrations.register(learner, workshop.id))
            for own, learner in zip(fleet, learners, strict=True)
        ])
        statuses = Counter(o.registration.status for o in outcomes)
        assert statuses == {CONFIRMED: SEATS, WAITLISTED: LEARNERS - SEATS}, f"round {round_}"
        assert sorted(o.waitlist_rank for o in outcomes if o.waitlist_rank) == list(range(1, LEARNERS - SEATS + 1))
        assert all(o.sync.synced for o in outcomes)
        assert assert_counters_agree(services, workshop.id) == (SEATS, LEARNERS - SEATS)
        assert services.db["registrations"].count_documents({"workshop_id": workshop.id}) == LEARNERS
    assert services.doctor.check().clean


def test_cancellations_and_registrations_racing_keep_the_invariant(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners,
        fleet: list[Services]) -> None:
    people = make_learners(40)
    first_wave, newcomers = people[:30], people[30:]
    for round_ in range(3):
        workshop = schedule(title=f"Churn {round_}", capacity=SEATS)
        queue = {p.user_id: services.registrations.register(p, workshop.id) for p in first_wave}
        confirmed = [p for p in first_wave if queue[p.user_id].registration.status is CONFIRMED]
        waiting = [p for p in first_wave if queue[p.user_id].registration.status is WAITLISTED]
        leaving_waitlist = waiting[-5:]
        calls: list[Callable[[], RegistrationOutcome]] = []
        calls += [(lambda own=fleet[i], p=p: own.registrations.cancel(p, workshop.id, reason="race"))
                  for i, p in enumerate(confirmed)]
        calls += [(lambda own=fleet[10 + i], p=p: own.registrations.register(p, workshop.id))
                  for i, p in enumerate(newcomers)]
        calls += [(lambda own=fleet[20 + i], p=p: own.registrations.cancel(p, workshop.id, reason="race"))
                  for i, p in enumerate(leaving_waitlist)]
        all_at_once(calls)
        seats, waiting_count = assert_counters_agree(services, workshop.id)
        # 20 waited, 5 left the queue, 10 newcomers joined its end, 10 seats were freed.
        assert (seats, waiting_count) == (SEATS, 20 - 5 + 10 - SEATS)
        positions = {p.user_id: queue[p.user_id].registration.waitlist_position for p in waiting}
        docs = {d["learner_id"]: d for d in services.db["registrations"].find({"workshop_id": workshop.id,
                                                                                "status": {"$ne": "cancelled"}})}
        promoted = [positions[lid] for lid, d in docs.items() if d["status"] == "confirmed" and lid in positions]
        still_waiting = [positions[lid] for lid, d in docs.items() if d["status"] == "waitlisted" and lid in positions]
        # First come, first served: everyone promoted was ahead of everyone still waiting.
        assert len(promoted) == SEATS
        assert max(promoted) < min(still_waiting)
        newcomer_ids = {p.user_id for p in newcomers}
        assert all(docs[lid]["status"] == "waitlisted" for lid in newcomer_ids)
    assert services.doctor.check().clean
