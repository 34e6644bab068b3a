"""Marking attendance in the workshops module re-checks the "workshops attended" badges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from domain.models.users import Principal, Role
from domain.models.workshops import WorkshopInput
from domain.services.container import Services
from tests.conftest import NOW, make_user, with_clock


@pytest.fixture
def marking(services: Services, admin: Principal) -> Iterator[tuple[Services, Principal, int]]:
    """A learner registered to a workshop that has started, a "regular" badge (1 workshop,
    +15), and services whose clock is during the workshop: (services, learner, workshop id)."""
    learner = make_user(services, "lou@example.org", Role.LEARNER, "Lou Learner")
    services.badges.apply(admin, "regular", "Regular", "Attended a workshop", "workshops_attended", 1, bonus_points=15)
    workshop = services.workshops.create(
        admin, WorkshopInput("Composting basics", admin.user_id, NOW + timedelta(days=1), 60, 10)
    )
    services.registrations.register(admin, workshop.id, learner.user_id)
    later = with_clock(services, NOW + timedelta(days=1, minutes=30))
    try:
        yield later, learner, workshop.id
    finally:
        later.close()


def test_marking_attendance_awards_a_workshops_attended_badge(marking, admin: Principal) -> None:
    later, learner, workshop_id = marking
    later.registrations.mark_attendance(admin, workshop_id, {learner.user_id: "present"})
    held = later.badges.awards_for(admin, learner.user_id)
    assert [h.award.badge_code for h in held] == ["regular"]
    assert held[0].award.evidence == {"rule": "workshops_attended", "threshold": 1, "value": 1}


def test_an_attendance_correction_takes_the_badge_back(marking, admin: Principal) -> None:
    later, learner, workshop_id = marking
    later.registrations.mark_attendance(admin, workshop_id, {learner.user_id: "present"})
    assert later.scores.score(learner, learner.user_id).badge_points == 15
    later.registrations.mark_attendance(admin, workshop_id, {learner.user_id: "absent"})
    [held] = later.badges.awards_for(admin, learner.user_id)
    score = later.scores.score(learner, learner.user_id)
    assert held.award.revoked_by_rule and held.award.revoke_trigger == "attendance"
    assert held.award.revoke_reason == "No longer met: 0 workshops attended, the badge needs 1+ workshops attended"
    assert (score.badge_points, score.workshops_attended) == (0, 0)


def test_undoing_an_attendance_mark_takes_the_badge_and_the_points_back(marking, admin: Principal) -> None:
    later, learner, workshop_id = marking
    marked = later.bulk.mark_attendance(admin, workshop_id, [learner.user_id], "present")
    assert later.scores.score(learner, learner.user_id).badge_points == 15

    later.undo.undo(admin, marked.batch_id)

    [held] = later.badges.awards_for(admin, learner.user_id)
    score = later.scores.score(learner, learner.user_id)
    assert held.award.revoked_by_rule and held.award.revoke_trigger == "attendance"
    assert (score.badge_points, score.workshops_attended) == (0, 0)
