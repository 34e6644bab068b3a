"""Fixtures for the progress and badges module: challenges, badges, attendance documents."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from domain.clock import fixed_clock
from domain.models.badges import BadgePreview
from domain.models.progress import Challenge
from domain.models.workshops import WorkshopInput
from domain.models.users import Principal, Role
from domain.repositories.mongo.attendance import REGISTRATIONS
from domain.services.container import Services
from tests.conftest import make_user

_titles = itertools.count(1)


@pytest.fixture
def make_challenge(services: Services, admin: Principal) -> Callable[..., Challenge]:
    """Create a challenge with sensible defaults; keyword arguments override them."""

    def make(**overrides: Any) -> Challenge:
        fields: dict[str, Any] = {
            "title": f"Challenge {next(_titles)}", "description": "", "category": "energy", "points": 100,
            "difficulty": "easy", "co2_kg": None, "co2_source": None, "is_active": True,
        }
        fields.update(overrides)
        assert services.challenges is not None
        return services.challenges.create(admin, **fields)

    return make


@pytest.fixture
def make_badge(services: Services, admin: Principal) -> Callable[..., BadgePreview]:
    """Create (apply) a badge definition: make_badge("code", "points", 100, bonus=20)."""

    def make(code: str, rule_type: str, threshold: int, category: str | None = None, bonus: int = 0,
             validity_days: int | None = None, active: bool = True) -> BadgePreview:
        assert services.badges is not None
        return services.badges.apply(admin, code, code.replace("-", " ").title(), "", rule_type, threshold,
                                     category, bonus, validity_days, active)

    return make


@pytest.fixture
def make_learner(services: Services) -> Callable[[str], Principal]:
    counter = itertools.count(1)

    def make(name: str = "") -> Principal:
        n = next(counter)
        return make_user(services, f"learner{n}@example.org", Role.LEARNER, name or f"Learner {n:02d}")

    return make


def attend(services: Services, learner_id: int, workshop_id: int, attendance: str = "present") -> None:
    """A registration as the workshops module stores it (inserted directly: a fixture)."""
    services.db[REGISTRATIONS].insert_one(
        {"workshop_id": workshop_id, "learner_id": learner_id, "status": "confirmed", "attendance": attendance}
    )
    # The workshops module's listener would tell the leaderboard's figures; a fixture rebuilds them.
    services.doctor.rebuild_scores()


def at(services: Services, moment: datetime) -> Services:
    """Services whose clock says `moment` (sharing the same servers)."""
    from tests.conftest import with_clock

    return with_clock(services, moment)


def clock_at(moment: datetime) -> Callable[[], datetime]:
    return fixed_clock(moment)


@pytest.fixture
def held_workshop(services: Services, admin: Principal) -> Callable[[datetime], int]:
    """A workshop that took place at `starts_at` (created the day before): returns its id."""
    from datetime import timedelta

    def make(starts_at: datetime) -> int:
        earlier = at(services, starts_at - timedelta(days=1))
        try:
            return earlier.workshops.create(admin, WorkshopInput("Repair cafe", admin.user_id, starts_at, 60, 10)).id
        finally:
            earlier.close()

    return make
