"""Undo: take back a batch (or one of its rows) as far as the rules allow today, row by row.

An undo is itself a batch: its own id, one activity entry per row it took back (action
`<action>.undo`, pointing at the batch it undid), one outbox record with the registration
documents, so badges and scores follow as for any change. The journal rows it took back are
locked first and marked undone in the same transaction: a second undo of the same rows waits,
then reports them "already undone". Seats come back through the same conditional UPDATE as a
registration, under the workshop's row lock: an undo never exceeds a capacity.

What comes back: a cancelled registration (its former status and waitlist place, if a seat or
the workshop allows), an attendance mark (the former mark, or none), an account's active flag,
a cancelled workshop (reopened with its registrations, unless it has started), a workshop's
former trainer. What does not: a promotion (the waitlist rule would hand the free seat straight
back), and anything changed again since (reported with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain import validation
from domain.errors import Conflict, NotFound, PermissionDenied
from domain.models.bulk import BULK_MAX, BulkResult, JournalRow, RowResult
from domain.models.users import Principal, Role, User
from domain.models.workshops import Attendance, RegistrationStatus, Workshop
from domain.repositories.sql.unit_of_work import UnitOfWork
from domain.services.access import require_role
from domain.services.activity import batch_key
from domain.services.batches import BatchWriter, RowDone, from_text
from domain.services.bulk import TRAINER_ROLES, change_active, name_of
from domain.services.registration_rules import people_by_id
from domain.services.workshop_rules import WorkshopChanges, fill_free_seats, manage_refusal
from domain.services.workshop_sync import Change

CONFIRMED, WAITLISTED, CANCELLED = RegistrationStatus
ALREADY_UNDONE = "Already undone."
UNDO_REASON = "undone"
PROMOTION_STAYS = ("A promotion is not taken back: the waitlist rule would give the free seat straight back. "
                   "Cancel the registration instead.")


class UndoService(WorkshopChanges):
    """Undo a batch or one row of it; report what could not be taken back and why."""

    def latest(self, principal: Principal) -> str | None:
        """The batch the caller made last: what `u` in the notification takes back."""
        require_role(principal, Role.ADMIN, Role.TRAINER, doing="undo changes")
        with self._uow() as uow:
            return uow.journal.latest_batch(principal.user_id)

    def undo(self, principal: Principal, batch_id: object, row: object = None) -> BulkResult:
        """Take back every row of the batch (or its row `row`) that can be; raises Conflict when
        every one of them was undone already."""
        require_role(principal, Role.ADMIN, Role.TRAINER, doing="undo changes")
        key = batch_key(batch_id)
        row_no = None if row is None else validation.integer(row, "row", "Row", 0, BULK_MAX)
        now = self._clock()
        with self._uow() as uow:
            rows = uow.journal.lock(key, row_no)
            if not rows:
                raise NotFound("There is no such change to undo (only changes made since undo exists can be undone).")
            if all(r.undone_by for r in rows):
                raise Conflict("This change is already undone.")
            batch = BatchWriter(uow, principal, rows[0].action + ".undo", now, undoes=key)
            workshops = self._lock_workshops(uow, rows)
            people = people_by_id(uow, [r.subject_id for r in rows if r.workshop_id is not None
                                        and r.action.startswith("registration.")]
                                  + [r.subject_id for r in rows if r.workshop_id is None])
            undone: list[int] = []
            waitlists: set[int] = set()
            for journal in rows:
                label = self._label(journal, workshops, people)
                if journal.undone_by:
                    batch.refuse(journal.subject_id, label, ALREADY_UNDONE)
                    continue
                apply = self._handler(uow, principal, journal, workshops, label, waitlists)
                if batch.attempt(journal.subject_id, label, apply, journal.action + ".undo"):
                    undone.append(journal.row_no)
            # A learner put back on a waitlist next to a free seat takes it, first in line first.
            for wid in sorted(waitlists):
                batch.extra_changes += fill_free_seats(uow, wid, now)
            batch_id_out = batch.write(self._activity, self._sync)
            if batch_id_out is not None:
                uow.journal.mark_undone(key, undone, batch_id_out, now)
            uow.commit()
        return batch.result(batch_id_out, uow.sync)

    # -- one row each ------------------------------------------------------------------------
    def _handler(self, uow: UnitOfWork, principal: Principal, row: JournalRow, workshops: dict[int, Workshop],
                 label: str, waitlists: set[int]) -> Callable[[], RowDone]:
        now = self._clock()

        def workshop() -> Workshop:
            assert row.workshop_id is not None
            found = workshops.get(row.workshop_id)
            if found is None:
                raise NotFound("The workshop has been deleted since.")
            doing = "hand workshops to another trainer" if row.action == "workshop.trainer" else "undo its changes"
            refusal = manage_refusal(principal, found, doing)
            if refusal:
                raise PermissionDenied(refusal)
            return found

        def registration() -> RowDone:
            found = workshop()
            if found.is_cancelled:
                raise Conflict("The workshop has been cancelled since.")
            change = restore_registration(uow, found.id, row.before, now, waitlists)
            return RowDone(label, "workshop", found.id, {"learner_id": row.subject_id, "undoes_row": row.row_no},
                           changes=[change])

        def attendance() -> RowDone:
            found = workshop()
            if found.is_cancelled:
                raise Conflict("The workshop has been cancelled since.")
            current = uow.ledger.get(found.id, row.subject_id, lock=True)
            mark = row.after.get("attendance")
            if (current is None or current.attempt != row.before.get("attempt") or current.status is not CONFIRMED
                    or (current.attendance.value if current.attendance else None) != mark):
                raise Conflict("The mark has been changed since.")
            former = row.before.get("attendance")
            restored = uow.ledger.set_attendance(
                found.id, row.subject_id, Attendance(former) if former else None, from_text(row.before.get("attendance_at")),
                row.before.get("attendance_by"), now)
            return RowDone(label, "workshop", found.id, {"learner_id": row.subject_id, "undoes_row": row.row_no},
                           changes=[Change(restored, status_changed=False)])

        def reopen() -> RowDone:
            found = workshop()
            if not found.is_cancelled or found.cancelled_at is None or \
                    found.cancelled_at.isoformat() != row.after.get("cancelled_at"):
                raise Conflict("The workshop has been changed since.")
            if found.has_started(now):
                raise Conflict("The workshop has already started: it cannot be reopened.")
            uow.workshops.reopen(found.id, now)
            changes: list[Change] = []
            extra: list[RowResult] = []
            learners = people_by_id(uow, [int(r["learner_id"]) for r in row.before.get("registrations", [])])
            for former in row.before.get("registrations", []):
                lid = int(former["learner_id"])
                try:
                    with uow.savepoint():
                        changes.append(restore_registration(uow, found.id, former, now, waitlists))
                except (Conflict, NotFound) as refusal:
                    extra.append(RowResult(lid, f"{name_of(learners, lid)} in {found.title}", str(refusal)))
            return RowDone(label, "workshop", found.id, {"undoes_row": row.row_no, "restored": len(changes)},
                           changes=changes, extra=extra)

        def trainer() -> RowDone:
            require_role(principal, Role.ADMIN, doing="hand workshops to another trainer")
            found = workshop()
            if found.is_cancelled:
                raise Conflict("The workshop has been cancelled since.")
            if found.trainer_id != row.after.get("trainer_id"):
                raise Conflict("The trainer has been changed since.")
            former = uow.users.get(int(row.before["trainer_id"]))
            if former is None or not former.is_active or former.role not in TRAINER_ROLES:
                raise Conflict("The former trainer is no longer an active trainer or admin.")
            uow.workshops.update(found.id, now, trainer_id=former.id)
            return RowDone(label, "workshop", found.id,
                           {"fields": "trainer_id", "from": found.trainer_id, "to": former.id, "undoes_row": row.row_no})

        def account() -> RowDone:
            require_role(principal, Role.ADMIN, doing="activate or deactivate users")
            user = uow.users.get(row.subject_id)
            if user is None:
                raise NotFound("The account has been deleted since.")
            if user.is_active != row.after.get("is_active"):
                raise Conflict("The account has been changed since.")
            change_active(uow, principal, user, bool(row.before.get("is_active")), now)
            return RowDone(label, "user", user.id, {"undoes_row": row.row_no})

        def promotion() -> RowDone:
            raise Conflict(PROMOTION_STAYS)

        handlers: dict[str, Callable[[], RowDone]] = {
            "registration.cancel": registration, "registration.attendance": attendance,
            "registration.promote": promotion, "workshop.cancel": reopen, "workshop.trainer": trainer,
            "user.deactivate": account, "user.activate": account,
        }
        return handlers.get(row.action, lambda: _cannot(row.action))

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _lock_workshops(uow: UnitOfWork, rows: list[JournalRow]) -> dict[int, Workshop]:
        """Every workshop the rows touch, locked in id order (the registration path's lock, and its order)."""
        found: dict[int, Workshop] = {}
        for wid in sorted({r.workshop_id for r in rows if r.workshop_id is not None}):
            workshop = uow.workshops.get(wid, lock=True)
            if workshop is not None:
                found[wid] = workshop
        return found

    @staticmethod
    def _label(row: JournalRow, workshops: dict[int, Workshop], people: dict[int, User]) -> str:
        if row.action.startswith("registration."):
            return name_of(people, row.subject_id)
        if row.workshop_id is None:
            return name_of(people, row.subject_id)
        found = workshops.get(row.workshop_id)
        return found.title if found else f"Workshop #{row.workshop_id}"


def _cannot(action: str) -> RowDone:
    raise Conflict(f"A {action} change cannot be undone.")


def restore_registration(uow: UnitOfWork, workshop_id: int, before: dict[str, Any], now: datetime,
                         waitlists: set[int]) -> Change:
    """Put a cancelled registration back as it was (seat or waitlist place), if nothing changed it since.

    The caller holds the workshop's row lock; the seat comes back through a conditional UPDATE,
    so a full workshop refuses it ("a seat was taken since")."""
    lid = int(before["learner_id"])
    current = uow.ledger.get(workshop_id, lid, lock=True)
    if current is None or current.attempt != before.get("attempt") or current.status is not CANCELLED:
        raise Conflict("The registration has been changed since (registered again or already restored).")
    learner = uow.users.get(lid)
    if learner is None or not learner.is_active:
        raise Conflict("The learner's account is deactivated.")
    if before["status"] == CONFIRMED.value:
        if not uow.workshops.restore_seat(workshop_id, now):
            raise Conflict("The seat has been taken since: the workshop is full.")
        restored = uow.ledger.set_status(workshop_id, lid, CONFIRMED, now)
    else:
        if not uow.workshops.rejoin_waitlist(workshop_id, now):
            raise Conflict("The workshop is not open.")
        restored = uow.ledger.set_status(workshop_id, lid, WAITLISTED, now,
                                         waitlist_position=int(before["waitlist_position"]))
        waitlists.add(workshop_id)
    return Change(restored, CANCELLED, reason=UNDO_REASON)
