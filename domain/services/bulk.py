"""Bulk actions: one call acts on a selection with the single action's rules, row by row.

Every row is checked as the single action checks it (a trainer acts only on the workshops they
run); a refused row is reported with its reason and the others are applied. All the applied
rows are one batch: one transaction, one batch id on every activity entry and journal row, so
`UndoService` can take the batch (or one of its rows) back.
"""

from __future__ import annotations

from datetime import datetime

from domain import validation
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.models.bulk import BULK_MAX, BulkResult, Undoable
from domain.models.users import Principal, Role, User
from domain.models.workshops import RegistrationStatus, Workshop, WorkshopQuery
from domain.repositories.sql.unit_of_work import UnitOfWork
from domain.services.access import require_role
from domain.services.batches import (
    BatchWriter,
    RowDone,
    attendance_undo,
    registration_journal,
    selection,
    workshop_cancel_undo,
)
from domain.services.registration_rules import attendance_mark, people_by_id
from domain.services.workshop_rules import (
    WorkshopChanges,
    cancel_refusal,
    edit_refusal,
    fill_free_seats,
    load_managed,
    load_workshop,
    manage_refusal,
    markable_workshop,
    optional_reason,
)
from domain.services.workshop_sync import Change
from domain.services.workshops import checked_query
from domain.validation import parse_id

CONFIRMED, WAITLISTED, CANCELLED = RegistrationStatus
TRAINER_ROLES = (Role.TRAINER, Role.ADMIN)
STAFF = (Role.ADMIN, Role.TRAINER)


def name_of(people: dict[int, User], user_id: int) -> str:
    person = people.get(user_id)
    return person.full_name if person else f"#{user_id}"


class BulkService(WorkshopChanges):
    """Cancel, mark, promote registrations; cancel workshops or change their trainer; (de)activate users."""

    # -- registrations of one workshop -------------------------------------------------------
    def cancel_registrations(self, principal: Principal, workshop_id: object, learner_ids: object,
                             reason: object = None) -> BulkResult:
        """Cancel the selected registrations with one reason; freed seats go to the waitlist, in order."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        lids = selection(learner_ids, "learner_ids", "Learner")
        why = optional_reason(reason)
        now = self._clock()
        with self._uow() as uow:
            load_managed(uow, principal, wid, "cancel registrations", lock=True)
            batch = BatchWriter(uow, principal, "registration.cancel", now)
            people = people_by_id(uow, lids)
            freed = False
            for lid in lids:
                def cancel_one(lid: int = lid) -> RowDone:
                    current = uow.ledger.get(wid, lid, lock=True)
                    if current is None or not current.status.active:
                        raise Conflict("No active registration to cancel.")
                    if current.status is CONFIRMED:
                        uow.workshops.release_seat(wid, now)
                    else:
                        uow.workshops.leave_waitlist(wid, now)
                    cancelled = uow.ledger.set_status(wid, lid, CANCELLED, now, reason=why)
                    return RowDone(name_of(people, lid), "workshop", wid,
                                   {"learner_id": lid, "was": current.status.value, "reason": why or ""},
                                   Undoable("registration.cancel", lid, registration_journal(current),
                                            {"attempt": cancelled.attempt}, wid),
                                   [Change(cancelled, current.status, reason=why)])
                if batch.attempt(lid, name_of(people, lid), cancel_one, checks_first=True):
                    freed = freed or batch.applied[-1][1].details["was"] == CONFIRMED.value
            # Promotion waits for the whole selection: a learner cancelled from the waitlist in
            # the same batch must not be promoted first.
            if freed:
                batch.extra_changes += fill_free_seats(uow, wid, now)
            return self._finish(uow, batch)

    def mark_attendance(self, principal: Principal, workshop_id: object, learner_ids: object,
                        mark: object) -> BulkResult:
        """Give the selected confirmed learners one mark (present, late, excused, absent)."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        lids = selection(learner_ids, "learner_ids", "Learner")
        attendance = attendance_mark(mark)
        now = self._clock()
        with self._uow() as uow:
            markable_workshop(uow, principal, wid, now)
            batch = BatchWriter(uow, principal, "registration.attendance", now)
            people = people_by_id(uow, lids)
            for lid in lids:
                def mark_one(lid: int = lid) -> RowDone:
                    current = uow.ledger.get(wid, lid, lock=True)
                    if current is None or current.status is not CONFIRMED:
                        raise Conflict("No confirmed seat in this workshop.")
                    if current.attendance is attendance:
                        raise Conflict(f"Already marked {attendance.value}.")
                    [marked] = uow.ledger.mark_attendance(wid, [lid], attendance, principal.user_id, now)
                    return RowDone(name_of(people, lid), "workshop", wid,
                                   {"learner_id": lid, "marked": 1, attendance.value: 1},
                                   attendance_undo(current, marked),
                                   [Change(marked, status_changed=False)])
                batch.attempt(lid, name_of(people, lid), mark_one, checks_first=True)
            return self._finish(uow, batch)

    def promote(self, principal: Principal, workshop_id: object, learner_ids: object) -> BulkResult:
        """Give free seats to the selected waiting learners, in the order selected."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        lids = selection(learner_ids, "learner_ids", "Learner")
        now = self._clock()
        with self._uow() as uow:
            workshop = load_managed(uow, principal, wid, "promote learners", lock=True)
            if workshop.is_cancelled:
                raise Conflict("This workshop is cancelled.")
            batch = BatchWriter(uow, principal, "registration.promote", now)
            people = people_by_id(uow, lids)
            for lid in lids:
                def promote_one(lid: int = lid) -> RowDone:
                    current = uow.ledger.get(wid, lid, lock=True)
                    if current is None or current.status is not WAITLISTED:
                        raise Conflict("Not on the waitlist.")
                    if not uow.workshops.promote_seat(wid, now):
                        raise Conflict("The workshop is full: no seat to promote to.")
                    promoted = uow.ledger.set_status(wid, lid, CONFIRMED, now)
                    return RowDone(name_of(people, lid), "workshop", wid, {"learner_id": lid},
                                   Undoable("registration.promote", lid, registration_journal(current),
                                            {"attempt": promoted.attempt}, wid),
                                   [Change(promoted, WAITLISTED, reason="promoted by staff")])
                batch.attempt(lid, name_of(people, lid), promote_one, checks_first=True)
            return self._finish(uow, batch)

    # -- workshops -------------------------------------------------------------------------
    def cancel_workshops(self, principal: Principal, workshop_ids: object, reason: object) -> BulkResult:
        """Cancel the selected workshops (and every registration in them) with one reason."""
        require_role(principal, *STAFF, doing="cancel workshops")
        wids = selection(workshop_ids, "workshop_ids", "Workshop")
        why = optional_reason(reason, required=True)
        assert why is not None
        now = self._clock()
        with self._uow() as uow:
            batch = BatchWriter(uow, principal, "workshop.cancel", now)
            titles = self._titles(uow, wids)
            # Locked in id order, as every batch over several workshops does: no deadlock between batches.
            for wid in sorted(wids):
                def cancel_one(wid: int = wid) -> RowDone:
                    workshop = self._managed(uow, principal, wid, "cancel workshops")
                    refusal = cancel_refusal(workshop, now)
                    if refusal:
                        raise Conflict(refusal)
                    active = uow.ledger.active_in(wid)
                    uow.workshops.cancel(wid, why, now)
                    cancelled = uow.ledger.cancel_all_active(wid, why, now)
                    return RowDone(workshop.title, "workshop", wid,
                                   {"reason": why, "registrations_cancelled": len(cancelled)},
                                   workshop_cancel_undo(wid, active, now),
                                   [Change(r, was, reason=why) for was, r in cancelled])
                batch.attempt(wid, titles.get(wid, f"#{wid}"), cancel_one)
            return self._finish(uow, batch)

    def change_trainer(self, principal: Principal, workshop_ids: object, trainer_id: object) -> BulkResult:
        """Hand the selected workshops to another trainer (admins only, as for one workshop)."""
        require_role(principal, Role.ADMIN, doing="hand workshops to another trainer")
        wids = selection(workshop_ids, "workshop_ids", "Workshop")
        tid = parse_id(trainer_id, "trainer_id", "Trainer")
        now = self._clock()
        with self._uow() as uow:
            trainer = uow.users.get(tid)
            if trainer is None or not trainer.is_active or trainer.role not in TRAINER_ROLES:
                raise ValidationError("The trainer must be an active trainer or admin", field="trainer_id")
            batch = BatchWriter(uow, principal, "workshop.trainer", now)
            titles = self._titles(uow, wids)
            for wid in sorted(wids):
                def hand_one(wid: int = wid) -> RowDone:
                    workshop = self._managed(uow, principal, wid, "hand workshops to another trainer")
                    refusal = edit_refusal(workshop)
                    if refusal:
                        raise Conflict(refusal)
                    if workshop.trainer_id == tid:
                        raise Conflict(f"Already run by {trainer.full_name}.")
                    uow.workshops.update(wid, now, trainer_id=tid)
                    return RowDone(workshop.title, "workshop", wid,
                                   {"fields": "trainer_id", "from": workshop.trainer_id, "to": tid},
                                   Undoable("workshop.trainer", wid, {"trainer_id": workshop.trainer_id},
                                            {"trainer_id": tid}, wid))
                batch.attempt(wid, titles.get(wid, f"#{wid}"), hand_one, checks_first=True)
            return self._finish(uow, batch)

    # -- users -----------------------------------------------------------------------------
    def set_active(self, principal: Principal, user_ids: object, active: object) -> BulkResult:
        """Deactivate (or reactivate) the selected accounts; a deactivated account's sessions end."""
        require_role(principal, Role.ADMIN, doing="activate or deactivate users")
        if not isinstance(active, bool):
            raise ValidationError("active must be true or false", field="active")
        uids = selection(user_ids, "user_ids", "User")
        now = self._clock()
        with self._uow() as uow:
            batch = BatchWriter(uow, principal, "user.activate" if active else "user.deactivate", now)
            people = people_by_id(uow, uids)
            for uid in uids:
                def set_one(uid: int = uid) -> RowDone:
                    user = uow.users.get(uid)
                    if user is None:
                        raise NotFound(f"No user with id {uid}.")
                    change_active(uow, principal, user, active, now)
                    return RowDone(user.full_name, "user", uid, {},
                                   Undoable(batch.action, uid, {"is_active": user.is_active}, {"is_active": active}))
                batch.attempt(uid, name_of(people, uid), set_one, checks_first=True)
            return self._finish(uow, batch)

    # -- what "select all" selects ---------------------------------------------------------
    def workshop_ids(self, principal: Principal, query: WorkshopQuery) -> tuple[list[int], int]:
        """Every workshop of the staff list's current filter (at most BULK_MAX), and how many match."""
        require_role(principal, *STAFF, doing="manage workshops")
        checked = checked_query(query)
        with self._uow() as uow:
            return uow.workshops.ids(checked, self._clock(), principal.user_id, BULK_MAX)

    def learner_ids(self, principal: Principal, workshop_id: object,
                    status: object) -> tuple[list[int], int]:
        """Every learner confirmed (or waiting) in the workshop, and how many there are."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        listed = {CONFIRMED.value: CONFIRMED, WAITLISTED.value: WAITLISTED}
        if not isinstance(status, str) or status not in listed:
            raise ValidationError("status must be confirmed or waitlisted", field="status")
        with self._uow() as uow:
            load_managed(uow, principal, wid, "see registrations")
            return uow.ledger.learner_ids(wid, listed[status], BULK_MAX)

    def user_ids(self, principal: Principal, search: object = "", role: Role | None = None) -> tuple[list[int], int]:
        """Every user of the users list's current search and role filter, and how many match."""
        require_role(principal, Role.ADMIN, doing="manage users")
        term = validation.text(search, "search", "Search", 0, 100) if search else ""
        with self._uow() as uow:
            return uow.users.ids(term, Role.parse(role) if role is not None else None, BULK_MAX)

    # -- helpers ---------------------------------------------------------------------------
    def _finish(self, uow: UnitOfWork, batch: BatchWriter) -> BulkResult:
        batch_id = batch.write(self._activity, self._sync)
        uow.commit()
        return batch.result(batch_id, uow.sync)

    @staticmethod
    def _titles(uow: UnitOfWork, workshop_ids: list[int]) -> dict[int, str]:
        return {wid: w.title for wid, w in uow.workshops.get_many(workshop_ids).items()}

    @staticmethod
    def _managed(uow: UnitOfWork, principal: Principal, workshop_id: int, doing: str) -> Workshop:
        """The workshop, locked, if the caller manages it; otherwise this row is refused with the reason."""
        workshop = load_workshop(uow, workshop_id, lock=True)
        refusal = manage_refusal(principal, workshop, doing)
        if refusal:
            raise PermissionDenied(refusal)
        return workshop


def change_active(uow: UnitOfWork, principal: Principal, user: User, active: bool, now: datetime) -> None:
    """The single action's rules for one account: not your own, not the last admin, not already so."""
    if user.is_active == active:
        raise Conflict("Already active." if active else "Already deactivated.")
    if not active and user.id == principal.user_id:
        raise Conflict("You cannot deactivate your own account.")
    if not active and user.role is Role.ADMIN and uow.users.count_active_admins() <= 1:
        raise Conflict("SkillHub needs at least one active admin.")
    uow.users.update(user.id, now, is_active=active)
