"""Marking attendance in the workshops module re-checks the "workshops attended" badges."""

from __future__ import annotations

from datetime import timedelta

from domain.models.users import Principal, Role
from domain.models.workshops import WorkshopInput
from domain.runtime.container import Services
from tests.conftest import NOW, make_user, with_clock


def test_marking_attendance_awards_a_workshops_attended_badge(services: Services, admin: Principal) -> None:
    learner = make_user(services, "lou@example.org", Role.LEARNER, "Lou Learner")
    services.badges.apply(admin, "regular", "Regular", "Attended a workshop", "workshops_attended", 1, bonus_points=15)
    workshop = services.workshops.create(
        admin, WorkshopInput("Composting basics", admin.user_id, NOW + timedelta(days=1), 60, 10)
    )
    services.registrations.register(admin, workshop.id, learner.user_id)
    later = with_clock(services, NOW + timedelta(days=1, minutes=30))
    try:
        later.registrations.mark_attendance(admin, workshop.id, {learner.user_id: "present"})
        held = later.badges.awards_for(admin, learner.user_id)
    finally:
        later.close()

    assert [h.award.badge_code for h in held] == ["regular"]
    assert held[0].award.evidence
