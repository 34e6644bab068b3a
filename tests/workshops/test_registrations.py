"""Registrations: seats, waitlist, promotion, attendance, comments, the screen's data, CSV."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

from domain.errors import Conflict, ExportTargetExists, NotFound, ValidationError
from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.models.workshops import ATTENDANCE_OPENS_BEFORE_START, Attendance, RegistrationStatus
from domain.services.container import Services
from tests.conftest import make_user, with_clock
from tests.workshops.conftest import MakeLearners, Schedule, at, once_started

CONFIRMED, WAITLISTED, CANCELLED = RegistrationStatus


def test_learner_registers_and_gets_a_confirmed_seat(services: Services, learner: Principal,
                                                     schedule: Schedule) -> None:
    workshop = schedule()
    outcome = services.registrations.register(learner, workshop.id)
    assert outcome.registration.status is CONFIRMED
    assert outcome.message == "Registered for Writing clean SQL: seat confirmed."
    assert outcome.sync.synced
    assert services.workshops.get(learner, workshop.id).seats_taken == 1
    doc = services.db["registrations"].find_one({"_id": f"w{workshop.id}:l{learner.user_id}:1"})
    assert doc is not None
    assert {k: doc[k] for k in ("workshop_id", "learner_id", "attempt", "status", "waitlist_position", "attendance")} == {
        "workshop_id": workshop.id, "learner_id": learner.user_id, "attempt": 1, "status": "confirmed",
        "waitlist_position": None, "attendance": None}


def test_full_workshop_puts_next_learner_on_waitlist(services: Services, schedule: Schedule,
                                                     make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=2)
    a, b, c, d = make_learners(4)
    for person in (a, b):
        services.registrations.register(person, workshop.id)
    third = services.registrations.register(c, workshop.id)
    fourth = services.registrations.register(d, workshop.id)
    assert (third.registration.status, third.waitlist_rank) == (WAITLISTED, 1)
    assert (fourth.registration.status, fourth.waitlist_rank) == (WAITLISTED, 2)
    assert fourth.message == "Writing clean SQL is full: you are #2 on the waitlist."
    workshop = services.workshops.get(a, workshop.id)
    assert (workshop.seats_taken, workshop.waitlisted) == (2, 2)


def test_one_registration_per_learner_per_workshop(services: Services, learner: Principal, trainer: Principal,
                                                   schedule: Schedule) -> None:
    workshop = schedule()
    services.registrations.register(learner, workshop.id)
    with pytest.raises(Conflict, match="already registered"):
        services.registrations.register(learner, workshop.id)
    with pytest.raises(Conflict, match="already registered"):
        services.registrations.register(trainer, workshop.id, learner.user_id)
    assert services.workshops.get(trainer, workshop.id).seats_taken == 1


def test_a_refused_registration_gives_back_the_seat_or_the_waitlist_place_it_took(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    # A seat and the first attempt are one statement: a learner who already holds a place still
    # takes a seat or a position before being refused, and the refusal must roll it back.
    workshop = schedule(capacity=2)
    seated, waiting, other = make_learners(3)
    services.registrations.register(seated, workshop.id)
    services.registrations.register(other, workshop.id)
    services.registrations.register(waiting, workshop.id)
    services.registrations.cancel(other, workshop.id)  # a seat is free again; `waiting` takes it
    services.registrations.register(other, workshop.id)  # full again: back on the waitlist
    before = services.workshops.get(trainer, workshop.id)
    for person in (seated, waiting, other):
        with pytest.raises(Conflict, match="already registered|already on the waitlist"):
            services.registrations.register(person, workshop.id)
    after = services.workshops.get(trainer, workshop.id)
    assert (after.seats_taken, after.waitlisted, after.registrations_ever) == (
        before.seats_taken, before.waitlisted, before.registrations_ever) == (2, 1, 4)
    ranks = services.registrations.register(make_learners(1)[0], workshop.id)
    assert (ranks.registration.status, ranks.waitlist_rank) == (WAITLISTED, 2)


def test_learner_who_cancelled_may_register_again_and_history_keeps_both(
        services: Services, learner: Principal, trainer: Principal, schedule: Schedule) -> None:
    workshop = schedule()
    services.registrations.register(learner, workshop.id)
    services.registrations.cancel(learner, workshop.id, reason="Clash")
    again = services.registrations.register(learner, workshop.id)
    assert (again.registration.attempt, again.registration.id) == (2, f"w{workshop.id}:l{learner.user_id}:2")
    history = services.registrations.history(learner, workshop.id)
    assert [(e.registration_id[-1], e.from_status, e.to_status, e.reason) for e in history] == [
        ("1", None, CONFIRMED, None), ("1", CONFIRMED, CANCELLED, "Clash"), ("2", None, CONFIRMED, None)]
    assert services.db["registrations"].count_documents({"learner_id": learner.user_id}) == 2
    mine = services.registrations.my_registrations(learner, PageRequest())
    assert [(r.registration.attempt, r.registration.status) for r in mine.items] == [(2, CONFIRMED)]


def test_my_registrations_show_each_workshop_once_with_its_current_status(
        services: Services, learner: Principal, schedule: Schedule) -> None:
    workshops = [schedule(title=f"Workshop {n}", starts_at=at(n + 1)) for n in range(5)]
    for workshop in workshops:
        services.registrations.register(learner, workshop.id)
    again, gone = workshops[1], workshops[3]
    services.registrations.cancel(learner, again.id, reason="Clash")
    services.registrations.register(learner, again.id)
    services.registrations.cancel(learner, gone.id)
    services.registrations.register(learner, gone.id)
    services.registrations.cancel(learner, gone.id)
    mine = services.registrations.my_registrations(learner, PageRequest(1, 10))
    assert mine.total == 5
    current = {m.workshop.title: (m.registration.status, m.registration.attempt) for m in mine.items}
    assert current == {"Workshop 0": (CONFIRMED, 1), "Workshop 1": (CONFIRMED, 2), "Workshop 2": (CONFIRMED, 1),
                       "Workshop 3": (CANCELLED, 2), "Workshop 4": (CONFIRMED, 1)}
    assert len(mine.items) == 5
    # Paging counts workshops, not attempts.
    pages = [services.registrations.my_registrations(learner, PageRequest(n, 2)) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [2, 2, 1] and {p.total for p in pages} == {5}
    assert sorted(m.workshop.id for p in pages for m in p.items) == sorted(w.id for w in workshops)


def test_cancelling_a_confirmed_seat_promotes_the_first_waitlisted(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=1)
    first, second, third = make_learners(3)
    for person in (first, second, third):
        services.registrations.register(person, workshop.id)
    outcome = services.registrations.cancel(trainer, workshop.id, first.user_id, reason="Sick")
    assert [r.learner_id for r in outcome.promoted] == [second.user_id]
    assert outcome.message == "Registration cancelled. Learner 001 promoted from the waitlist."
    sheet = services.registrations.sheet(trainer, workshop.id)
    assert [r.learner_id for r in sheet.confirmed] == [second.user_id]
    assert [(r.learner_id, r.waitlist_position) for r in sheet.waitlist] == [(third.user_id, 2)]
    promoted_history = sheet.history[sheet.confirmed[0].id]
    assert [(e.from_status, e.to_status, e.reason, e.by_email) for e in promoted_history] == [
        (None, WAITLISTED, None, "learner001@example.org"),
        (WAITLISTED, CONFIRMED, "promoted from the waitlist", "trainer@example.org")]
    workshop = services.workshops.get(trainer, workshop.id)
    assert (workshop.seats_taken, workshop.waitlisted) == (1, 1)


def test_learner_cancellation_does_not_reveal_who_was_promoted(
        services: Services, schedule: Schedule, make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=1)
    first, second = make_learners(2)
    services.registrations.register(first, workshop.id)
    services.registrations.register(second, workshop.id)
    outcome = services.registrations.cancel(first, workshop.id)
    assert outcome.promoted == [] and outcome.message == "Registration cancelled."
    assert services.registrations.my_registrations(second, PageRequest()).items[0].registration.status is CONFIRMED


def test_cancelling_from_the_waitlist_frees_no_seat(services: Services, trainer: Principal, schedule: Schedule,
                                                    make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=1)
    first, second, third = make_learners(3)
    for person in (first, second, third):
        services.registrations.register(person, workshop.id)
    services.registrations.cancel(second, workshop.id)
    workshop = services.workshops.get(trainer, workshop.id)
    assert (workshop.seats_taken, workshop.waitlisted) == (1, 1)
    assert services.registrations.my_registrations(third, PageRequest()).items[0].waitlist_rank == 1


def test_learner_cannot_register_or_cancel_once_started_but_staff_can(
        services: Services, trainer: Principal, learner: Principal, schedule: Schedule,
        make_learners: MakeLearners) -> None:
    workshop = schedule(starts_at=at(1))
    services.registrations.register(learner, workshop.id)
    during = with_clock(services, at(1.01))
    late = make_learners(1)[0]
    with pytest.raises(Conflict, match="already started"):
        during.registrations.register(late, workshop.id)
    with pytest.raises(Conflict, match="ask your trainer"):
        during.registrations.cancel(learner, workshop.id)
    assert during.registrations.register(trainer, workshop.id, late.user_id).registration.status is CONFIRMED
    assert during.registrations.cancel(trainer, workshop.id, learner.user_id).registration.status is CANCELLED


def test_cancel_without_registration_is_not_found(services: Services, learner: Principal,
                                                  schedule: Schedule) -> None:
    with pytest.raises(NotFound, match="not registered"):
        services.registrations.cancel(learner, schedule().id)


def test_staff_registers_only_active_learners(services: Services, admin: Principal, trainer: Principal,
                                              learner: Principal, schedule: Schedule) -> None:
    workshop = schedule()
    with pytest.raises(NotFound):
        services.registrations.register(trainer, workshop.id, trainer.user_id)
    with pytest.raises(ValidationError, match="Choose a learner"):
        services.registrations.register(trainer, workshop.id)
    services.users.set_active(admin, learner.user_id, False)
    with pytest.raises(Conflict, match="deactivated"):
        services.registrations.register(trainer, workshop.id, learner.user_id)


def test_promote_needs_a_free_seat(services: Services, admin: Principal, trainer: Principal, schedule: Schedule,
                                   make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=1)
    first, second, third = make_learners(3)
    for person in (first, second, third):
        services.registrations.register(person, workshop.id)
    with pytest.raises(Conflict, match="full"):
        services.registrations.promote(trainer, workshop.id)
    with pytest.raises(Conflict, match="not on the waitlist"):
        services.registrations.promote(trainer, workshop.id, first.user_id)
    # A seat freed behind the services' back (e.g. a repair): promote the named learner out of order.
    with services.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE workshops SET capacity = 2 WHERE id = :id"), {"id": workshop.id})
    outcome = services.registrations.promote(admin, workshop.id, third.user_id)
    assert (outcome.registration.learner_id, outcome.registration.status) == (third.user_id, CONFIRMED)
    assert outcome.message == "Learner 002 promoted from the waitlist."
    with pytest.raises(Conflict):
        services.registrations.promote(trainer, workshop.id)


def test_mark_attendance_for_several_learners_at_once(services: Services, trainer: Principal, schedule: Schedule,
                                                      make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=4)
    people = make_learners(5)
    for person in people:
        services.registrations.register(person, workshop.id)
    marks = {people[0].user_id: "present", people[1].user_id: Attendance.LATE, people[2].user_id: "Excused",
             people[3].user_id: "absent"}
    started = once_started(services, workshop)
    saved = started.mark_attendance(trainer, workshop.id, marks)
    assert (saved.value.changed, saved.value.unchanged, saved.sync.synced) == (4, 0, True)
    again = started.mark_attendance(trainer, workshop.id, {people[0].user_id: "present"})
    assert (again.value.changed, again.value.unchanged) == (0, 1)
    rows = services.registrations.attendance_sheet(trainer, workshop.id)
    assert [(r.learner_name, r.attendance, r.marked_by) for r in rows] == [
        ("Learner 000", Attendance.PRESENT, "Tom Trainer"), ("Learner 001", Attendance.LATE, "Tom Trainer"),
        ("Learner 002", Attendance.EXCUSED, "Tom Trainer"), ("Learner 003", Attendance.ABSENT, "Tom Trainer")]
    docs = {d["learner_id"]: d for d in services.db["registrations"].find({"workshop_id": workshop.id})}
    assert [docs[p.user_id]["attendance"] for p in people[:4]] == ["present", "late", "excused", "absent"]
    assert docs[people[0].user_id]["attendance_by"] == trainer.user_id
    with pytest.raises(Conflict, match="no confirmed seat"):
        started.mark_attendance(trainer, workshop.id, {people[4].user_id: "present"})
    with pytest.raises(ValidationError, match="present, late, excused or absent"):
        started.mark_attendance(trainer, workshop.id, {people[0].user_id: "here"})
    with pytest.raises(ValidationError):
        started.mark_attendance(trainer, workshop.id, {})


def test_attendance_is_refused_until_fifteen_minutes_before_the_start_and_counts_nothing(
        services: Services, trainer: Principal, learner: Principal, schedule: Schedule) -> None:
    workshop = schedule(starts_at=at(3))
    services.registrations.register(learner, workshop.id)
    too_early = with_clock(services, workshop.starts_at - ATTENDANCE_OPENS_BEFORE_START - timedelta(seconds=1))
    for who in (services, too_early):
        with pytest.raises(Conflict) as refused:
            who.registrations.mark_attendance(trainer, workshop.id, {learner.user_id: "present"})
        assert refused.value.message == (
            "Attendance opens 15 minutes before the workshop starts: from 2026-11-25 08:45 UTC.")
    assert services.registrations.attendance_sheet(trainer, workshop.id)[0].attendance is None
    assert services.db["registrations"].find_one({"learner_id": learner.user_id})["attendance"] is None
    assert services.scores.score(learner, learner.user_id).workshops_attended == 0
    assert services.db["activity_logs"].count_documents({"action": "registration.attendance"}) == 0
    opening = with_clock(services, workshop.starts_at - ATTENDANCE_OPENS_BEFORE_START)
    saved = opening.registrations.mark_attendance(trainer, workshop.id, {learner.user_id: "present"})
    assert saved.value.changed == 1
    assert services.scores.score(learner, learner.user_id).workshops_attended == 1


def test_comments_are_kept_verbatim_newest_first(services: Services, trainer: Principal, schedule: Schedule) -> None:
    workshop = schedule()
    services.registrations.add_comment(trainer, workshop.id, "First note")
    later = with_clock(services, at(0.5))
    saved = later.registrations.add_comment(trainer, workshop.id, "  Second\nnote with\ttab  ")
    assert saved.value.body == "  Second\nnote with\ttab  "
    sheet = services.registrations.sheet(trainer, workshop.id)
    assert [c.body for c in sheet.comments] == ["  Second\nnote with\ttab  ", "First note"]
    assert (sheet.comments_total, sheet.comments[0].author_name) == (2, "Tom Trainer")


def test_registrations_screen_combines_both_databases(services: Services, trainer: Principal, schedule: Schedule,
                                                      make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=2, title="Docker from zero", place="Online")
    people = make_learners(4)
    for person in people:
        services.registrations.register(person, workshop.id)
    services.registrations.cancel(people[3], workshop.id)
    once_started(services, workshop).mark_attendance(trainer, workshop.id, {people[0].user_id: "present"})
    services.registrations.add_comment(trainer, workshop.id, "Bring laptops")
    sheet = services.registrations.sheet(trainer, workshop.id)
    assert (sheet.workshop.title, sheet.workshop.place, sheet.workshop.trainer_name) == (
        "Docker from zero", "Online", "Tom Trainer")
    assert [(r.learner_name, r.learner_email, r.attendance) for r in sheet.confirmed] == [
        ("Learner 000", "learner000@example.org", Attendance.PRESENT), ("Learner 001", "learner001@example.org", None)]
    assert sheet.confirmed[0].attendance_by_name == "Tom Trainer"
    assert [r.learner_name for r in sheet.waitlist] == ["Learner 002"]
    assert [r.learner_name for r in sheet.cancelled] == ["Learner 003"]
    assert (sheet.confirmed_total, sheet.waitlist_total, sheet.cancelled_total, sheet.sync_pending) == (2, 1, 1, 0)
    assert set(sheet.history) == {r.id for r in [*sheet.confirmed, *sheet.waitlist, *sheet.cancelled]}
    assert [c.body for c in sheet.comments] == ["Bring laptops"]


def test_registrations_screen_lists_are_paged(services: Services, trainer: Principal, schedule: Schedule,
                                              make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=2)
    people = make_learners(7)
    for person in people:
        services.registrations.register(person, workshop.id)
    sheet = services.registrations.sheet(trainer, workshop.id, waitlist=PageRequest(2, 2))
    assert sheet.waitlist_total == 5
    assert [r.learner_id for r in sheet.waitlist] == [people[4].user_id, people[5].user_id]


def test_learner_sees_only_their_own_registrations(services: Services, schedule: Schedule,
                                                   make_learners: MakeLearners) -> None:
    mine, other = make_learners(2)
    first, second = schedule(title="First"), schedule(title="Second", starts_at=at(10))
    services.registrations.register(mine, first.id)
    services.registrations.register(other, first.id)
    services.registrations.register(other, second.id)
    page = services.registrations.my_registrations(mine, PageRequest())
    assert [(r.workshop.title, r.registration.learner_id) for r in page.items] == [("First", mine.user_id)]
    assert page.items[0].registration.learner_name == ""


def test_picker_offers_active_learners_with_their_status(services: Services, trainer: Principal,
                                                         schedule: Schedule, make_learners: MakeLearners) -> None:
    workshop = schedule()
    a, b = make_learners(2)
    services.registrations.register(a, workshop.id)
    choices = services.registrations.candidates(trainer, workshop.id, "learner")
    assert [(c.full_name, c.status) for c in choices] == [("Learner 000", CONFIRMED), ("Learner 001", None)]
    assert b.user_id == choices[1].learner_id


def test_export_attendance_csv(services: Services, trainer: Principal, schedule: Schedule,
                              tmp_path: Path) -> None:
    workshop = schedule()
    learner = make_user(services, "eve@example.org", Role.LEARNER, "=HYPERLINK(\"http://x\")")
    services.registrations.register(learner, workshop.id)
    once_started(services, workshop).mark_attendance(trainer, workshop.id, {learner.user_id: "late"})
    target = tmp_path / "attendance.csv"
    result = services.registrations.export_attendance_csv(trainer, workshop.id, str(target))
    assert (result.path, result.rows) == (target, 1)
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["learner", "email", "attendance", "marked_at", "marked_by"]
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "eve@example.org", "late", "2026-11-29 09:00 UTC", "Tom Trainer"]
    assert target.stat().st_mode & 0o777 == 0o600


def test_export_refuses_an_existing_file_unless_overwrite(services: Services, trainer: Principal,
                                                          schedule: Schedule, tmp_path: Path) -> None:
    workshop = schedule()
    target = tmp_path / "sheet.csv"
    target.write_text("keep me")
    with pytest.raises(ExportTargetExists) as caught:
        services.registrations.export_attendance_csv(trainer, workshop.id, target)
    assert caught.value.path == target and "confirm to overwrite" in caught.value.message
    assert target.read_text() == "keep me"
    services.registrations.export_attendance_csv(trainer, workshop.id, target, overwrite=True)
    assert target.read_text(encoding="utf-8-sig").startswith("learner,email")
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.csv"]


@pytest.mark.parametrize("bad", ["", "   ", 42, None])
def test_export_needs_a_path(services: Services, trainer: Principal, schedule: Schedule, bad: object) -> None:
    with pytest.raises(ValidationError, match="file path"):
        services.registrations.export_attendance_csv(trainer, schedule().id, bad)


def test_export_explains_an_unwritable_path(services: Services, trainer: Principal, schedule: Schedule,
                                            tmp_path: Path) -> None:
    workshop = schedule()
    with pytest.raises(ValidationError, match="does not exist"):
        services.registrations.export_attendance_csv(trainer, workshop.id, tmp_path / "missing" / "a.csv")
    with pytest.raises(ValidationError, match="is a folder"):
        services.registrations.export_attendance_csv(trainer, workshop.id, tmp_path)
    with pytest.raises(ValidationError, match="Cannot write"):
        services.registrations.export_attendance_csv(trainer, workshop.id, "/proc/skillhub-attendance.csv")


def test_every_change_writes_an_activity_log_document(services: Services, admin: Principal, trainer: Principal,
                                                      learner: Principal, schedule: Schedule) -> None:
    workshop = schedule()
    services.registrations.register(learner, workshop.id)
    once_started(services, workshop).mark_attendance(trainer, workshop.id, {learner.user_id: "present"})
    services.registrations.add_comment(trainer, workshop.id, "ok")
    services.registrations.cancel(trainer, workshop.id, learner.user_id)
    services.workshops.cancel(trainer, workshop.id, "Closed")
    actions = [e.action for e in services.activity.list(admin, PageRequest(1, 50)).items]
    for action in ("workshop.create", "registration.create", "registration.attendance", "workshop.comment",
                   "registration.cancel", "workshop.cancel"):
        assert action in actions
