"""Bulk actions and their undo, against the real servers: every action, partial refusals, full workshops."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import text

from domain.clock import fixed_clock
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.models.bulk import BULK_MAX, BulkResult
from domain.models.paging import PageRequest
from domain.devdata.dumps import load_dumps
from domain.infrastructure.migrate import ROOT
from domain.models.users import SYSTEM, Principal, Role
from domain.models.workshops import Attendance, RegistrationStatus, Workshop, WorkshopQuery, WorkshopScope
from domain.services.bulk import BulkService
from domain.services.container import Services
from domain.services.undo import UndoService
from tests.conftest import make_user
from tests.workshops.conftest import MakeLearners, Schedule, at

CONFIRMED, WAITLISTED, CANCELLED = RegistrationStatus


def statuses(services: Services, workshop_id: int) -> dict[int, tuple[str, int | None]]:
    """learner id → (status, waitlist position), as the ledger says."""
    with services.engine.connect() as conn:
        rows = conn.execute(text("SELECT learner_id, status, waitlist_position FROM registration_ledger"
                                 " WHERE workshop_id = :id"), {"id": workshop_id}).all()
    return {r.learner_id: (r.status, r.waitlist_position) for r in rows}


def counters(services: Services, workshop_id: int) -> tuple[int, int, int]:
    """(seats_taken, waitlisted, capacity), checked against the ledger and MongoDB."""
    with services.engine.connect() as conn:
        seats, waiting, capacity = conn.execute(
            text("SELECT seats_taken, waitlisted, capacity FROM workshops WHERE id = :id"), {"id": workshop_id}).one()
    ledger = Counter(s for s, _ in statuses(services, workshop_id).values())
    mongo = Counter(d["status"] for d in services.db["registrations"].find({"workshop_id": workshop_id}))
    assert seats <= capacity
    assert seats == ledger["confirmed"] == mongo["confirmed"]
    assert waiting == ledger["waitlisted"] == mongo["waitlisted"]
    return seats, waiting, capacity


def filled(services: Services, schedule: Schedule, learners: list[Principal], capacity: int, **kw: object) -> Workshop:
    workshop = schedule(capacity=capacity, **kw)
    for person in learners:
        services.registrations.register(person, workshop.id)
    return workshop


def refusals(result: BulkResult) -> dict[int, str]:
    return {r.key: r.refusal or "" for r in result.refused}


def activity_batch(services: Services, batch_id: str) -> list[dict]:
    return list(services.db["activity_logs"].find({"batch.id": batch_id}).sort("batch.row", 1))


# -- cancel registrations ------------------------------------------------------------------------
def test_bulk_cancel_applies_every_row_the_rules_allow_and_reports_the_others(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(6)
    workshop = filled(services, schedule, people[:5], capacity=3)   # 3 seats, 2 waiting
    outsider = people[5].user_id

    result = services.bulk.cancel_registrations(trainer, workshop.id, [people[0].user_id, people[3].user_id, outsider],
                                                "Room [red] too small")

    assert [r.key for r in result.done] == [people[0].user_id, people[3].user_id]
    assert refusals(result) == {outsider: "No active registration to cancel."}
    assert result.summary == "Done: 2 of 3 rows. 1 refused."
    now = statuses(services, workshop.id)
    # people[3] left the waitlist in the same batch: the freed seat went to people[4], not to them.
    assert now[people[0].user_id][0] == now[people[3].user_id][0] == "cancelled"
    assert now[people[4].user_id][0] == "confirmed"
    assert counters(services, workshop.id)[:2] == (3, 0)
    entries = activity_batch(services, result.batch_id or "")
    assert [(e["action"], e["batch"]["row"], e["batch"]["rows"]) for e in entries] == [
        ("registration.cancel", 0, 2), ("registration.cancel", 1, 2)]
    assert entries[0]["details"]["reason"] == "Room [red] too small"


def test_undo_of_a_bulk_cancel_restores_seats_and_waitlist_order(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(6)
    workshop = filled(services, schedule, people, capacity=4)      # 4 seats, 2 waiting (#5, #6)
    ids = [p.user_id for p in people]
    before = statuses(services, workshop.id)
    result = services.bulk.cancel_registrations(trainer, workshop.id, [ids[1], ids[4]], None)
    assert statuses(services, workshop.id)[ids[5]][0] == "confirmed"   # promoted into the freed seat

    undone = services.undo.undo(trainer, result.batch_id)

    after = statuses(services, workshop.id)
    # The promoted learner keeps their seat: the cancelled seat is free again only if capacity allows.
    assert [r.key for r in undone.done] == [ids[4]]
    assert refusals(undone) == {ids[1]: "The seat has been taken since: the workshop is full."}
    assert after[ids[4]] == before[ids[4]]                    # back on the waitlist, same position
    assert after[ids[1]][0] == "cancelled"
    assert counters(services, workshop.id)[:2] == (4, 1)
    assert undone.undoes == result.batch_id and undone.batch_id != result.batch_id


def test_undo_puts_cancelled_learners_back_when_seats_allow(
        services: Services, admin: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(4)
    workshop = filled(services, schedule, people, capacity=3)
    before = statuses(services, workshop.id)
    result = services.bulk.cancel_registrations(admin, workshop.id, [p.user_id for p in people[:2]] + [people[3].user_id])
    undone = services.undo.undo(admin, result.batch_id)

    assert undone.refused == []
    assert statuses(services, workshop.id) == before
    assert counters(services, workshop.id)[:2] == (3, 1)


def test_undo_twice_is_refused_as_already_undone(services: Services, trainer: Principal, schedule: Schedule,
                                                 make_learners: MakeLearners) -> None:
    people = make_learners(2)
    workshop = filled(services, schedule, people, capacity=5)
    result = services.bulk.cancel_registrations(trainer, workshop.id, [p.user_id for p in people])
    services.undo.undo(trainer, result.batch_id)

    with pytest.raises(Conflict, match="already undone"):
        services.undo.undo(trainer, result.batch_id)
    with pytest.raises(Conflict, match="already undone"):
        services.undo.undo(trainer, result.batch_id, 0)


def test_undo_of_one_row_then_of_the_batch_reports_that_row_already_undone(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(3)
    workshop = filled(services, schedule, people, capacity=5)
    result = services.bulk.cancel_registrations(trainer, workshop.id, [p.user_id for p in people])

    first = services.undo.undo(trainer, result.batch_id, 1)
    rest = services.undo.undo(trainer, result.batch_id)

    assert [r.key for r in first.done] == [people[1].user_id]
    assert [r.key for r in rest.done] == [people[0].user_id, people[2].user_id]
    assert refusals(rest) == {people[1].user_id: "Already undone."}
    assert counters(services, workshop.id)[:2] == (3, 0)


def test_undo_records_its_own_batch_pointing_at_what_it_undid(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(2)
    workshop = filled(services, schedule, people, capacity=5)
    result = services.bulk.cancel_registrations(trainer, workshop.id, [p.user_id for p in people])
    undone = services.undo.undo(trainer, result.batch_id)

    entries = activity_batch(services, undone.batch_id or "")
    assert [e["action"] for e in entries] == ["registration.cancel.undo"] * 2
    assert {e["batch"]["undoes"] for e in entries} == {result.batch_id}
    with pytest.raises(NotFound):       # an undo is not itself undone: do the action again
        services.undo.undo(trainer, undone.batch_id)


def test_a_learner_who_registered_again_since_is_not_restored(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(1)
    workshop = filled(services, schedule, people, capacity=5)
    result = services.bulk.cancel_registrations(trainer, workshop.id, [people[0].user_id])
    services.registrations.register(people[0], workshop.id)

    undone = services.undo.undo(trainer, result.batch_id)

    assert undone.done == []
    assert "changed since" in refusals(undone)[people[0].user_id]
    assert counters(services, workshop.id)[:2] == (1, 0)


def test_single_cancel_gets_a_batch_id_and_can_be_undone(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(1)
    workshop = filled(services, schedule, people, capacity=5)
    services.registrations.cancel(people[0], workshop.id)         # the learner cancels themselves
    entry = services.db["activity_logs"].find_one({"action": "registration.cancel"})
    assert entry is not None and entry["batch"]["rows"] == 1

    undone = services.undo.undo(trainer, entry["batch"]["id"])

    assert [r.key for r in undone.done] == [people[0].user_id]
    assert statuses(services, workshop.id)[people[0].user_id][0] == "confirmed"


# -- role checks -----------------------------------------------------------------------------------
def test_a_trainer_acts_only_on_workshops_they_run(
        services: Services, trainer: Principal, other_trainer: Principal, schedule: Schedule,
        make_learners: MakeLearners) -> None:
    people = make_learners(1)
    theirs = filled(services, schedule, people, capacity=5, by=other_trainer)
    mine = schedule(title="Mine")

    with pytest.raises(PermissionDenied):
        services.bulk.cancel_registrations(trainer, theirs.id, [people[0].user_id])
    result = services.bulk.cancel_workshops(trainer, [mine.id, theirs.id], "Term over")

    assert [r.key for r in result.done] == [mine.id]
    assert refusals(result) == {theirs.id: "Olga Other runs this workshop: only they or an admin may cancel workshops."}


def test_undo_checks_roles_at_the_time_of_undo(
        services: Services, admin: Principal, trainer: Principal, other_trainer: Principal, schedule: Schedule,
        make_learners: MakeLearners) -> None:
    people = make_learners(2)
    workshop = filled(services, schedule, people, capacity=5)
    result = services.bulk.cancel_registrations(trainer, workshop.id, [p.user_id for p in people])
    services.bulk.change_trainer(admin, [workshop.id], other_trainer.user_id)     # no longer the trainer's

    undone = services.undo.undo(trainer, result.batch_id)

    assert undone.done == [] and len(undone.refused) == 2
    assert all("Olga Other runs this workshop" in r.refusal for r in undone.refused if r.refusal)
    learner = people[0]
    with pytest.raises(PermissionDenied):
        services.undo.undo(learner, result.batch_id)
    assert [r.key for r in services.undo.undo(other_trainer, result.batch_id).done] == [p.user_id for p in people]


# -- attendance ---------------------------------------------------------------------------------
def test_bulk_attendance_marks_confirmed_learners_and_undo_clears_the_marks(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(4)
    workshop = filled(services, schedule, people, capacity=3)    # people[3] waits
    started = services.bulk.with_clock(fixed_clock(workshop.starts_at))
    services.registrations.with_clock(fixed_clock(workshop.starts_at)).mark_attendance(
        trainer, workshop.id, {people[0].user_id: "late"})

    result = started.mark_attendance(trainer, workshop.id, [p.user_id for p in people], "present")

    assert [r.key for r in result.done] == [p.user_id for p in people[:3]]
    assert refusals(result) == {people[3].user_id: "No confirmed seat in this workshop."}
    undone = services.undo.with_clock(fixed_clock(workshop.starts_at)).undo(trainer, result.batch_id)
    assert undone.refused == []
    marks = {d["learner_id"]: d.get("attendance") for d in services.db["registrations"].find({"workshop_id": workshop.id})}
    assert marks == {people[0].user_id: "late", people[1].user_id: None, people[2].user_id: None,
                     people[3].user_id: None}


def test_bulk_attendance_waits_for_the_attendance_window(services: Services, trainer: Principal,
                                                         schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(1)
    workshop = filled(services, schedule, people, capacity=3)
    with pytest.raises(Conflict, match="Attendance opens"):
        services.bulk.mark_attendance(trainer, workshop.id, [people[0].user_id], Attendance.PRESENT)


def test_single_attendance_marks_are_one_batch_undone_together(
        services: Services, trainer: Principal, schedule: Schedule, make_learners: MakeLearners) -> None:
    people = make_learners(2)
    workshop = filled(services, schedule, people, capacity=3)
    services.registrations.with_clock(fixed_clock(workshop.starts_at)).mark_attendance(
        trainer, workshop.id, {p.user_id: "present" for p in people})
    batch = services.undo.latest(trainer)

    undone = services.undo.undo(trainer, batch)

    assert sorted(r.key for r in undone.done) == sorted(p.user_id for p in people)
    assert all(d.get("attendance") is None for d in services.db["registrations"].find({"workshop_id": workshop.id}))


# -- promotion ------------------------------------------------------------------------------------
def test_bulk_promote_fills_free_seats_in_order_and_undo_leaves_promotions_in_place(
        services: Services, admin: Principal, trainer: Principal, schedule: Schedule,
        make_learners: MakeLearners) -> None:
    people = make_learners(4)
    workshop = filled(services, schedule, people, capacity=2)    # 2 waiting
    with services.engine.begin() as conn:      # a seat freed without promotion (what doctor repairs)
        conn.execute(text("UPDATE workshops SET capacity = 3 WHERE id = :id"), {"id": workshop.id})

    result = services.bulk.promote(trainer, workshop.id, [people[3].user_id, people[2].user_id, people[0].user_id])

    assert [r.key for r in result.done] == [people[3].user_id]
    assert refusals(result) == {people[2].user_id: "The workshop is full: no seat to promote to.",
                                people[0].user_id: "Not on the waitlist."}
    undone = services.undo.undo(admin, result.batch_id)
    assert "A promotion is not taken back" in refusals(undone)[people[3].user_id]
    assert counters(services, workshop.id)[:2] == (3, 1)


# -- workshops -------------------------------------------------------------------------------------
def test_bulk_cancel_workshops_and_undo_reopens_them_with_their_registrations(
        services: Services, admin: Principal, trainer: Principal, schedule: Schedule,
        make_learners: MakeLearners) -> None:
    people = make_learners(3)
    first = filled(services, schedule, people, capacity=2, title="First")
    second = schedule(title="Second")
    past = schedule(title="Past", starts_at=at(1))
    before = statuses(services, first.id)

    result = services.bulk.with_clock(fixed_clock(at(2))).cancel_workshops(
        admin, [first.id, second.id, past.id], "Term over")

    assert [r.key for r in result.done] == [first.id, second.id]
    assert refusals(result) == {past.id: "This workshop has already taken place: it cannot be cancelled."}
    assert all(s == "cancelled" for s, _ in statuses(services, first.id).values())
    undone = services.undo.undo(admin, result.batch_id)
    assert undone.refused == []
    assert statuses(services, first.id) == before
    assert counters(services, first.id)[:2] == (2, 1)
    assert services.workshops.get(admin, second.id).cancel_reason is None


def test_a_workshop_that_has_started_is_not_reopened(services: Services, admin: Principal, schedule: Schedule) -> None:
    workshop = schedule(title="Soon")
    result = services.bulk.cancel_workshops(admin, [workshop.id], "Trainer ill")

    undone = services.undo.with_clock(fixed_clock(workshop.starts_at)).undo(admin, result.batch_id)

    assert refusals(undone) == {workshop.id: "The workshop has already started: it cannot be reopened."}
    assert services.workshops.get(admin, workshop.id).is_cancelled


def test_single_workshop_cancel_can_be_undone(services: Services, trainer: Principal, schedule: Schedule,
                                              make_learners: MakeLearners) -> None:
    people = make_learners(2)
    workshop = filled(services, schedule, people, capacity=1)
    before = statuses(services, workshop.id)
    services.workshops.cancel(trainer, workshop.id, "Flooded")

    undone = services.undo.undo(trainer, services.undo.latest(trainer))

    assert undone.refused == []
    assert statuses(services, workshop.id) == before


def test_change_trainer_in_bulk_and_undo_restores_the_former_trainer(
        services: Services, admin: Principal, trainer: Principal, other_trainer: Principal,
        schedule: Schedule) -> None:
    first, second = schedule(title="Alpha"), schedule(title="Beta")
    cancelled = schedule(title="Gamma")
    services.workshops.cancel(trainer, cancelled.id, "No room")

    result = services.bulk.change_trainer(admin, [first.id, second.id, cancelled.id], other_trainer.user_id)

    assert [r.key for r in result.done] == [first.id, second.id]
    assert refusals(result) == {cancelled.id: "This workshop is cancelled: it can no longer be edited."}
    with pytest.raises(PermissionDenied):
        services.bulk.change_trainer(trainer, [first.id], other_trainer.user_id)
    with pytest.raises(ValidationError):
        services.bulk.change_trainer(admin, [first.id], trainer.user_id + 1000)
    services.undo.undo(admin, result.batch_id)
    assert services.workshops.get(admin, first.id).trainer_id == trainer.user_id


# -- users ----------------------------------------------------------------------------------------
def test_bulk_deactivate_users_keeps_the_rules_and_undo_reactivates(
        services: Services, admin: Principal, make_learners: MakeLearners) -> None:
    people = make_learners(3)
    ids = [p.user_id for p in people]
    services.users.set_active(admin, ids[2], False)

    result = services.bulk.set_active(admin, [*ids, admin.user_id], False)

    assert [r.key for r in result.done] == ids[:2]
    assert refusals(result) == {ids[2]: "Already deactivated.", admin.user_id: "You cannot deactivate your own account."}
    undone = services.undo.undo(admin, result.batch_id)
    assert [r.key for r in undone.done] == ids[:2]
    assert [services.users.get(admin, i).is_active for i in ids] == [True, True, False]
    with pytest.raises(PermissionDenied):
        services.bulk.set_active(make_user(services, "t2@example.org", Role.TRAINER), ids, False)


def test_undo_of_a_reactivation_keeps_the_last_admin(services: Services, admin: Principal) -> None:
    other = make_user(services, "admin2@example.org", Role.ADMIN)
    services.users.set_active(admin, other.user_id, False)
    reactivated = services.bulk.set_active(admin, [other.user_id], True)
    services.users.set_active(other, admin.user_id, False)     # now `other` is the only active admin

    undone = services.undo.undo(other, reactivated.batch_id)

    assert refusals(undone) == {other.user_id: "You cannot deactivate your own account."}


# -- selection -------------------------------------------------------------------------------------
def test_select_all_takes_every_row_of_the_filter_across_pages(
        services: Services, admin: Principal, trainer: Principal, schedule: Schedule,
        make_learners: MakeLearners) -> None:
    for n in range(3):
        schedule(title=f"Python {n}")
    schedule(title="Rust")
    ids, total = services.bulk.workshop_ids(trainer, WorkshopQuery(WorkshopScope.UPCOMING, "python"))
    assert total == 3 and len(ids) == 3
    people = make_learners(3)
    workshop = filled(services, schedule, people, capacity=2)
    assert services.bulk.learner_ids(trainer, workshop.id, WAITLISTED) == ([people[2].user_id], 1)
    ids, total = services.bulk.user_ids(admin, "learner", Role.LEARNER)
    assert total == 3


@pytest.mark.parametrize("bad", [[], "1,2", None, [0], ["x"], list(range(1, BULK_MAX + 2))])
def test_a_selection_must_be_ids(services: Services, trainer: Principal, schedule: Schedule, bad: object) -> None:
    workshop = schedule()
    with pytest.raises(ValidationError):
        services.bulk.cancel_registrations(trainer, workshop.id, bad)


def test_undo_of_an_unknown_batch_is_not_found(services: Services, admin: Principal) -> None:
    with pytest.raises(NotFound):
        services.undo.undo(admin, "999999")
    with pytest.raises(ValidationError):
        services.undo.undo(admin, "[/]")


def test_bulk_and_undo_services_are_wired(services: Services) -> None:
    assert isinstance(services.bulk, BulkService) and isinstance(services.undo, UndoService)


def test_the_activity_log_lists_a_batch_as_one_entry_that_opens_to_its_rows(
        services: Services, admin: Principal, trainer: Principal, schedule: Schedule,
        make_learners: MakeLearners) -> None:
    people = make_learners(3)
    workshop = filled(services, schedule, people, capacity=5)
    result = services.bulk.cancel_registrations(trainer, workshop.id, [p.user_id for p in people], "Moved")

    collapsed = services.activity.list(admin, PageRequest(1, 50), batches=True)
    rows = services.activity.batch(admin, result.batch_id, PageRequest(1, 50))

    cancels = [e for e in collapsed.items if e.action == "registration.cancel"]
    assert len(cancels) == 1 and cancels[0].batch_size == 3 and cancels[0].batch_id == result.batch_id
    assert len([e for e in collapsed.items if e.action == "workshop.create"]) == 1     # entries without a batch
    assert [e.details["learner_id"] for e in rows.items] == [p.user_id for p in people]
    assert services.activity.list(admin, PageRequest(1, 50)).total == collapsed.total + 2


def test_batch_ids_loaded_with_the_demo_dumps_are_never_given_again(services: Services) -> None:
    load_dumps(services.skillhub, ROOT / "data")
    admin = services.users.list(SYSTEM, PageRequest(1, 1), search="admin@skillhub.demo").items[0]
    demo = {int(d["batch"]["id"]) for d in services.db["activity_logs"].find({"batch": {"$exists": True}})}

    deactivated = services.bulk.set_active(SYSTEM, [u.id for u in services.users.list(
        SYSTEM, PageRequest(1, 3), role=Role.LEARNER).items], False)

    assert demo and int(deactivated.batch_id or 0) > max(demo)
    assert admin.is_active
