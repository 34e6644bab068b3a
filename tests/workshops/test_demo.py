"""The demo data: a first `make run` shows every state the screens can show."""

from __future__ import annotations

from collections import Counter

from domain.models.paging import PageRequest
from domain.models.users import SYSTEM
from domain.models.workshops import WorkshopQuery, WorkshopScope, WorkshopStatus
from domain.services.container import Services
from domain.devdata.seed import seed_demo
from domain.devdata.workshops_demo import DEMO_WORKSHOPS
from tests.conftest import TEST_PASSWORD


def test_demo_creates_past_upcoming_full_and_cancelled_workshops(services: Services) -> None:
    assert seed_demo(services.skillhub, TEST_PASSWORD) is not None
    listed = {
        scope: services.workshops.list(SYSTEM, WorkshopQuery(scope), PageRequest()).items
        for scope in (WorkshopScope.UPCOMING, WorkshopScope.PAST, WorkshopScope.CANCELLED)
    }
    assert sorted(w.title for ws in listed.values() for w in ws) == sorted(d.title for d in DEMO_WORKSHOPS)
    assert [w.title for w in listed[WorkshopScope.PAST]] == ["Git branching in practice", "Python for data analysis"]
    assert [(w.title, w.status) for w in listed[WorkshopScope.CANCELLED]] == [
        ("Public speaking for trainers", WorkshopStatus.CANCELLED)]
    full = [w for w in listed[WorkshopScope.UPCOMING] if w.seats_left == 0]
    assert [(w.title, w.seats_taken, w.waitlisted) for w in full] == [("Docker from zero", 4, 3)]

    past = listed[WorkshopScope.PAST][1]
    marks = Counter(r.attendance.value for r in services.registrations.attendance_sheet(SYSTEM, past.id) if r.attendance)
    assert marks == {"present": 5, "late": 1, "excused": 1, "absent": 1}
    sheet = services.registrations.sheet(SYSTEM, full[0].id)
    assert (sheet.confirmed_total, sheet.waitlist_total, sheet.comments_total) == (4, 3, 1)
    cancelled = services.registrations.sheet(SYSTEM, listed[WorkshopScope.CANCELLED][0].id)
    assert (cancelled.confirmed_total, cancelled.cancelled_total) == (0, 3)
    assert services.doctor.check().clean
