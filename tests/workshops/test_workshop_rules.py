"""The workshop rules: form validation, edit, cancel, delete, lists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import Conflict, FormErrors, NotFound, ValidationError
from domain.models.paging import PageRequest
from domain.models.users import Principal, Role
from domain.models.workshops import RegistrationStatus, WorkshopQuery, WorkshopScope, WorkshopSort, WorkshopStatus
from domain.services.container import Services
from tests.conftest import NOW, make_user, with_clock
from tests.workshops.conftest import NEXT_WEEK, MakeLearners, Schedule, at, workshop_input


def test_create_returns_the_workshop_with_its_trainer(services: Services, trainer: Principal) -> None:
    workshop = services.workshops.create(trainer, workshop_input(trainer.user_id, title="  Python basics  "))
    assert workshop.title == "Python basics"
    assert workshop.trainer_name == "Tom Trainer"
    assert (workshop.capacity, workshop.seats_taken, workshop.status) == (10, 0, WorkshopStatus.SCHEDULED)
    assert workshop.starts_at == NEXT_WEEK


def test_form_reports_every_invalid_field_at_once(services: Services, trainer: Principal) -> None:
    bad = workshop_input(trainer.user_id, title="ab", starts_at=NOW - timedelta(minutes=1), duration_minutes=14,
                         capacity=501, place="x" * 121, description="d" * 2001)
    with pytest.raises(FormErrors) as caught:
        services.workshops.create(trainer, bad)
    assert set(caught.value.errors) == {"title", "starts_at", "duration_minutes", "capacity", "place", "description"}
    assert "at least 3" in caught.value.errors["title"]
    assert "future" in caught.value.errors["starts_at"]
    assert "between 15 and 600" in caught.value.errors["duration_minutes"]
    assert "between 1 and 500" in caught.value.errors["capacity"]


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("title", "abc", True), ("title", "x" * 120, True), ("title", "x" * 121, False), ("title", "  ab  ", False),
        ("duration_minutes", 15, True), ("duration_minutes", 600, True), ("duration_minutes", 601, False),
        ("capacity", 1, True), ("capacity", 500, True), ("capacity", 0, False),
        ("capacity", "12", True), ("capacity", 12.0, False), ("capacity", True, False), ("capacity", "12 seats", False),
        ("starts_at", "2026-12-01 14:00", True), ("starts_at", "2026-12-01T14:00+01:00", True),
        ("starts_at", "next tuesday", False), ("starts_at", "2026-02-30 10:00", False), ("starts_at", 1767225600, False),
        ("starts_at", NOW, False), ("starts_at", NOW.replace(tzinfo=None) + timedelta(days=1), False),
    ],
)
def test_each_field_boundary(services: Services, trainer: Principal, field: str, value: object,
                             accepted: bool) -> None:
    data = workshop_input(trainer.user_id, **{field: value})
    if accepted:
        services.workshops.create(trainer, data)
    else:
        with pytest.raises(FormErrors) as caught:
            services.workshops.create(trainer, data)
        assert list(caught.value.errors) == [field]


def test_start_string_without_offset_is_read_as_utc(services: Services, trainer: Principal) -> None:
    workshop = services.workshops.create(trainer, workshop_input(trainer.user_id, starts_at="2026-12-01 14:00"))
    assert workshop.starts_at.isoformat() == "2026-12-01T14:00:00+00:00"


def test_trainer_must_be_an_active_trainer_or_admin(services: Services, admin: Principal, trainer: Principal,
                                                    learner: Principal) -> None:
    with pytest.raises(FormErrors) as caught:
        services.workshops.create(admin, workshop_input(learner.user_id))
    assert caught.value.errors == {"trainer_id": "The trainer must be an active trainer or admin"}
    with pytest.raises(FormErrors):
        services.workshops.create(admin, workshop_input(999_999))
    services.users.set_active(admin, trainer.user_id, False)
    with pytest.raises(FormErrors):
        services.workshops.create(admin, workshop_input(trainer.user_id))
    assert services.workshops.create(admin, workshop_input(admin.user_id)).trainer_id == admin.user_id


def test_trainer_schedules_only_their_own_workshops(services: Services, trainer: Principal,
                                                    other_trainer: Principal) -> None:
    with pytest.raises(FormErrors) as caught:
        services.workshops.create(trainer, workshop_input(other_trainer.user_id))
    assert "run themselves" in caught.value.errors["trainer_id"]
    assert services.workshops.create(trainer, workshop_input(None)).trainer_id == trainer.user_id


def test_trainer_picker_lists_active_trainers_and_admins(services: Services, admin: Principal, trainer: Principal,
                                                         learner: Principal) -> None:
    names = [u.full_name for u in services.workshops.trainers(admin)]
    assert names == ["Ada Admin", "Tom Trainer"]


def test_edit_changes_fields_and_logs_them(services: Services, trainer: Principal, schedule: Schedule) -> None:
    workshop = schedule()
    saved = services.workshops.edit(trainer, workshop.id, workshop_input(trainer.user_id, title="Better SQL",
                                                                         place=""))
    assert (saved.value.title, saved.value.place, saved.sync.synced) == ("Better SQL", None, True)
    actions = [e.action for e in services.activity.list(Principal(0, "x@y.z", "x", Role.ADMIN), PageRequest()).items]
    assert "workshop.edit" in actions and "workshop.create" in actions


def test_edit_keeps_a_past_start_but_refuses_moving_it_to_the_past(services: Services, trainer: Principal,
                                                                   schedule: Schedule) -> None:
    workshop = schedule(starts_at=at(1))
    later = with_clock(services, at(3))
    edited = later.workshops.edit(trainer, workshop.id, workshop_input(trainer.user_id, starts_at=at(1), title="Recap"))
    assert edited.value.title == "Recap"
    with pytest.raises(FormErrors) as caught:
        later.workshops.edit(trainer, workshop.id, workshop_input(trainer.user_id, starts_at=at(2)))
    assert list(caught.value.errors) == ["starts_at"]


def test_capacity_cannot_go_below_seats_taken(services: Services, trainer: Principal, schedule: Schedule,
                                              make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=5)
    for learner in make_learners(3):
        services.registrations.register(learner, workshop.id)
    with pytest.raises(FormErrors) as caught:
        services.workshops.edit(trainer, workshop.id, workshop_input(trainer.user_id, capacity=2))
    assert caught.value.errors == {"capacity": "Capacity cannot go below the 3 seats already taken"}
    assert services.workshops.edit(trainer, workshop.id, workshop_input(trainer.user_id, capacity=3)).value.capacity == 3


def test_raising_capacity_promotes_the_waitlist_in_order(services: Services, trainer: Principal,
                                                         schedule: Schedule, make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=2)
    people = make_learners(5)
    for learner in people:
        services.registrations.register(learner, workshop.id)
    saved = services.workshops.edit(trainer, workshop.id, workshop_input(trainer.user_id, capacity=4))
    assert (saved.value.seats_taken, saved.value.waitlisted) == (4, 1)
    sheet = services.registrations.sheet(trainer, workshop.id)
    assert [r.learner_id for r in sheet.confirmed] == [p.user_id for p in people[:4]]
    assert [r.learner_id for r in sheet.waitlist] == [people[4].user_id]


def test_only_an_admin_hands_a_workshop_to_another_trainer(services: Services, admin: Principal, trainer: Principal,
                                                           other_trainer: Principal, schedule: Schedule) -> None:
    workshop = schedule()
    with pytest.raises(FormErrors) as caught:
        services.workshops.edit(trainer, workshop.id, workshop_input(other_trainer.user_id))
    assert "Only an admin" in caught.value.errors["trainer_id"]
    moved = services.workshops.edit(admin, workshop.id, workshop_input(other_trainer.user_id))
    assert moved.value.trainer_name == "Olga Other"


def test_cancel_needs_a_reason_and_cancels_every_registration_with_it(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    workshop = schedule(capacity=2)
    people = make_learners(3)
    for learner in people:
        services.registrations.register(learner, workshop.id)
    with pytest.raises(ValidationError):
        services.workshops.cancel(trainer, workshop.id, "   ")
    saved = services.workshops.cancel(trainer, workshop.id, "Room flooded")
    assert (saved.value.status, saved.value.cancel_reason, saved.value.seats_taken) == (
        WorkshopStatus.CANCELLED, "Room flooded", 0)
    sheet = services.registrations.sheet(trainer, workshop.id)
    assert (sheet.confirmed_total, sheet.waitlist_total, sheet.cancelled_total) == (0, 0, 3)
    assert {r.cancel_reason for r in sheet.cancelled} == {"Room flooded"}
    last_events = [sheet.history[r.id][-1] for r in sheet.cancelled]
    assert {(e.to_status, e.reason) for e in last_events} == {(RegistrationStatus.CANCELLED, "Room flooded")}
    assert {e.from_status for e in last_events} == {RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED}


def test_cancelled_workshop_takes_no_registrations_and_no_edits(
        services: Services, trainer: Principal, learner: Principal, schedule: Schedule) -> None:
    workshop = schedule()
    services.workshops.cancel(trainer, workshop.id, "Trainer ill")
    with pytest.raises(Conflict, match="cancelled"):
        services.registrations.register(learner, workshop.id)
    with pytest.raises(Conflict, match="cancelled"):
        services.workshops.edit(trainer, workshop.id, workshop_input(trainer.user_id))
    with pytest.raises(Conflict, match="already cancelled"):
        services.workshops.cancel(trainer, workshop.id, "again")


def test_a_workshop_that_took_place_cannot_be_cancelled(services: Services, trainer: Principal,
                                                        schedule: Schedule) -> None:
    workshop = schedule(starts_at=at(1), duration_minutes=60)
    with pytest.raises(Conflict, match="taken place"):
        with_clock(services, at(2)).workshops.cancel(trainer, workshop.id, "too late")


def test_delete_only_when_nobody_ever_registered(services: Services, trainer: Principal, learner: Principal,
                                                 schedule: Schedule) -> None:
    empty, used = schedule(), schedule(title="Used one")
    services.registrations.add_comment(trainer, empty.id, "Draft, to be removed")
    services.registrations.register(learner, used.id)
    services.registrations.cancel(learner, used.id)
    with pytest.raises(Conflict, match="cancel it instead"):
        services.workshops.delete(trainer, used.id)
    services.workshops.delete(trainer, empty.id)
    with pytest.raises(NotFound):
        services.workshops.get(trainer, empty.id)
    assert services.db["comments"].count_documents({"workshop_id": empty.id}) == 0
    assert services.workshops.get(trainer, used.id).registrations_ever == 1


def test_list_filters_upcoming_past_mine_cancelled(services: Services, admin: Principal, trainer: Principal,
                                                   other_trainer: Principal, schedule: Schedule) -> None:
    soon, later = schedule(title="Soon", starts_at=at(1)), schedule(title="Later", starts_at=at(9))
    theirs = schedule(by=other_trainer, title="Theirs", starts_at=at(5))
    gone = schedule(title="Gone", starts_at=at(4))
    services.workshops.cancel(trainer, gone.id, "No room")
    future = with_clock(services, at(3))

    def titles(who: Principal, scope: WorkshopScope, svc: Services = future) -> list[str]:
        return [w.title for w in svc.workshops.list(who, WorkshopQuery(scope), PageRequest()).items]

    assert titles(admin, WorkshopScope.UPCOMING) == ["Theirs", "Later"]
    assert titles(admin, WorkshopScope.PAST) == ["Soon"]
    assert titles(trainer, WorkshopScope.MINE) == ["Later", "Soon"]
    assert titles(other_trainer, WorkshopScope.MINE) == ["Theirs"]
    assert titles(trainer, WorkshopScope.CANCELLED) == ["Gone"]
    assert {soon.id, later.id, theirs.id}.isdisjoint({gone.id})


def test_list_searches_title_or_trainer_name_literally(services: Services, admin: Principal, trainer: Principal,
                                                       other_trainer: Principal, schedule: Schedule) -> None:
    schedule(title="Python basics")
    schedule(by=other_trainer, title="Git in practice")
    schedule(title="100% SQL")

    def found(term: str) -> list[str]:
        return sorted(w.title for w in services.workshops.list(admin, WorkshopQuery(search=term), PageRequest()).items)

    assert found("python") == ["Python basics"]
    assert found("olga") == ["Git in practice"]
    assert found("TOM") == ["100% SQL", "Python basics"]
    assert found("%") == ["100% SQL"]
    assert found("_") == []


def test_list_sorts_by_fill_rate(services: Services, admin: Principal, schedule: Schedule,
                                 make_learners: MakeLearners) -> None:
    people = make_learners(3)
    half, full, empty = schedule(title="Half", capacity=4), schedule(title="Full", capacity=1), schedule(title="Empty")
    services.registrations.register(people[0], half.id)
    services.registrations.register(people[1], half.id)
    services.registrations.register(people[2], full.id)
    page = services.workshops.list(admin, WorkshopQuery(sort=WorkshopSort.FILL_RATE), PageRequest())
    assert [w.title for w in page.items] == ["Full", "Half", "Empty"]
    assert [round(w.fill_rate, 2) for w in page.items] == [1.0, 0.5, 0.0]
    assert empty.id == page.items[2].id


def test_list_is_paged_by_the_database(services: Services, admin: Principal, schedule: Schedule) -> None:
    for day in range(1, 8):
        schedule(title=f"Workshop {day}", starts_at=at(day))
    second = services.workshops.list(admin, WorkshopQuery(), PageRequest(2, 3))
    assert (second.total, second.pages, [w.title for w in second.items]) == (
        7, 3, ["Workshop 4", "Workshop 5", "Workshop 6"])


def test_learner_catalog_shows_upcoming_seats_and_own_status(services: Services, learner: Principal,
                                                             schedule: Schedule, make_learners: MakeLearners) -> None:
    full, open_ = schedule(title="Full", capacity=1, starts_at=at(2)), schedule(title="Open", starts_at=at(3))
    schedule(title="Past", starts_at=at(0.5))
    services.registrations.register(make_learners(1)[0], full.id)
    services.registrations.register(learner, full.id)
    entries = services.workshops.with_clock(lambda: at(1)).catalog(learner, PageRequest())
    assert [(e.workshop.title, e.workshop.seats_left, e.my_status, e.my_waitlist_rank) for e in entries.items] == [
        ("Full", 0, RegistrationStatus.WAITLISTED, 1), ("Open", 10, None, None)]
    with_seats = services.workshops.with_clock(lambda: at(1)).catalog(learner, PageRequest(), only_with_seats=True)
    assert [e.workshop.id for e in with_seats.items] == [open_.id]


def test_learners_may_not_list_the_staff_view(services: Services, learner: Principal) -> None:
    from domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.workshops.list(learner, WorkshopQuery(), PageRequest())


def test_admin_created_by_make_user_is_distinct_from_trainer(services: Services) -> None:
    # Guards the fixtures the other tests rely on: an admin can run workshops too.
    boss = make_user(services, "boss@example.org", Role.ADMIN, "Boss")
    assert services.workshops.create(boss, workshop_input(boss.user_id)).trainer_name == "Boss"
