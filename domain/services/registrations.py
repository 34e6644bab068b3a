"""Registrations: seats, waitlist, attendance, comments and the registrations screen's data.

The seat is decided in PostgreSQL (one conditional UPDATE on the workshop row, whose
lock then orders every other change of that workshop's registrations); the MongoDB
documents follow through the outbox (see `workshop_sync`). Learners act only on their
own registrations and never receive another learner's details.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from domain import validation
from domain.clock import Clock, utc_now
from domain.errors import Conflict, NotFound, ValidationError
from domain.infrastructure.exports import csv_bytes, export_target, write_export
from domain.models.bulk import Undoable
from domain.models.paging import Page, PageRequest
from domain.models.users import Principal, Role
from domain.models.workshops import (
    CAPACITY_MAX,
    Attendance,
    AttendanceMarks,
    AttendanceRow,
    Comment,
    ExportResult,
    LearnerChoice,
    MyRegistration,
    Registration,
    RegistrationEvent,
    RegistrationOutcome,
    RegistrationSheet,
    RegistrationStatus,
    Saved,
)
from domain.repositories.mongo.comments import CommentRepository
from domain.repositories.mongo.registrations import RegistrationDocuments
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.services.access import require_role
from domain.services.activity import ActivityService
from domain.services.batches import attendance_undo, registration_journal
from domain.services.registration_rules import (
    attendance_mark,
    check_open,
    comment_body,
    export_path_text,
    found_active_learner,
    people_by_id,
    refuse_active,
    statuses_of,
    target_learner,
    when,
    with_names,
)
from domain.services.workshop_rules import (
    NOT_REGISTERED,
    STARTED_ASK_TRAINER,
    WorkshopChanges,
    fill_free_seats,
    found_workshop,
    load_managed,
    load_workshop,
    markable_workshop,
    optional_reason,
    require_manager,
)
from domain.services.workshop_sync import Change, WorkshopSync
from domain.validation import parse_id

CONFIRMED, WAITLISTED, CANCELLED = RegistrationStatus
# A seat or a waitlist place is always decided within a few rounds; more means the
# workshop is being edited under our feet, and the person may simply try again.
MAX_SEAT_ROUNDS = 20
# A screenful or three of each list; the screen asks for the next page when scrolled to it.
SHEET_PAGE = PageRequest(1, 100)
CANCELLED_PAGE = PageRequest(1, 50)
COMMENTS_PAGE = PageRequest(1, 50)
STAFF_PROMOTION = "promoted by staff"
CSV_HEADER = ["learner", "email", "attendance", "marked_at", "marked_by"]



class RegistrationService(WorkshopChanges):
    """Register, cancel, promote, mark attendance, comment, and read registrations."""

    def __init__(self, uow_factory: UnitOfWorkFactory, activity: ActivityService, sync: WorkshopSync,
                 documents: RegistrationDocuments, comments: CommentRepository, clock: Clock = utc_now) -> None:
        super().__init__(uow_factory, activity, sync, clock)
        self._documents = documents
        self._comments = comments

    # -- seats -----------------------------------------------------------------------------
    def register(self, principal: Principal, workshop_id: object, learner_id: object = None) -> RegistrationOutcome:
        """Take a seat, or a place on the waitlist when the workshop is full.

        A learner registers themselves; a trainer (for workshops they run) or an admin
        registers any active learner."""
        require_role(principal, *Role, doing="register for workshops")
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        lid = target_learner(principal, learner_id)
        now = self._clock()
        with self._uow() as uow:
            found, person = uow.workshops.get_with_person(wid, lid)
            workshop = found_workshop(found, wid)
            if principal.is_staff:
                require_manager(principal, workshop, "register learners")
            check_open(workshop, principal, now)
            learner = found_active_learner(person, lid)
            ledger = uow.ledger
            # A seat and a first attempt (the usual case) in one statement.
            seated, registration = ledger.seat_first_attempt(wid, lid, now)
            status, position = (CONFIRMED, None) if seated else self._seat_or_waitlist(uow, wid, now, seat_tried=True)
            # The workshop row is locked from here, so the ledger is read with authority; a
            # refusal rolls the seat or waitlist place back with the transaction.
            if registration is None and not seated:
                registration = ledger.start_first_attempt(wid, lid, status, position, now)
            if registration is None:
                previous = ledger.get(wid, lid, lock=True)
                refuse_active(previous, principal)
                registration = ledger.start_attempt(previous, wid, lid, status, position, now)
            rank = ledger.waitlist_rank(wid, position) if position is not None else None
            self._sync.queue_changes(uow, principal, now, [Change(registration)])
            self._activity.record(uow, principal, "registration.create", "workshop", wid,
                                  {"learner_id": lid, "status": status.value, "attempt": registration.attempt})
            uow.commit()
        sync = uow.sync
        registration = replace(registration, learner_name=learner.full_name, learner_email=learner.email)
        if status is CONFIRMED:
            summary = (f"Registered for {workshop.title}: seat confirmed." if not principal.is_staff
                       else f"{learner.full_name} registered: seat confirmed.")
        else:
            summary = (f"{workshop.title} is full: you are #{rank} on the waitlist." if not principal.is_staff
                       else f"The workshop is full: {learner.full_name} is #{rank} on the waitlist.")
        return RegistrationOutcome(registration, rank, [], sync, summary)

    def cancel(self, principal: Principal, workshop_id: object, learner_id: object = None,
               reason: object = None) -> RegistrationOutcome:
        """Cancel a registration; a freed seat goes to the first waitlisted learner at once."""
        require_role(principal, *Role, doing="cancel registrations")
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        lid = target_learner(principal, learner_id)
        why = optional_reason(reason)
        now = self._clock()
        with self._uow() as uow:
            workshop = load_workshop(uow, wid, lock=True)
            if principal.is_staff:
                require_manager(principal, workshop, "cancel registrations")
            ledger = uow.ledger
            current = ledger.get(wid, lid, lock=True)
            if current is None or not current.status.active:
                raise NotFound(NOT_REGISTERED if not principal.is_staff
                               else "This learner has no active registration for this workshop.")
            if not principal.is_staff and workshop.has_started(now):
                raise Conflict(STARTED_ASK_TRAINER)
            workshops = uow.workshops
            if current.status is CONFIRMED:
                workshops.release_seat(wid, now)
            else:
                workshops.leave_waitlist(wid, now)
            cancelled = ledger.set_status(wid, lid, CANCELLED, now, reason=why)
            promoted = fill_free_seats(uow, wid, now) if current.status is CONFIRMED else []
            self._sync.queue_changes(uow, principal, now, [Change(cancelled, current.status, reason=why), *promoted])
            self._activity.record(uow, principal, "registration.cancel", "workshop", wid,
                                  {"learner_id": lid, "was": current.status.value, "reason": why or "",
                                   "promoted": [c.registration.learner_id for c in promoted]},
                                  undo=Undoable("registration.cancel", lid, registration_journal(current),
                                                {"attempt": cancelled.attempt}, wid))
            people = people_by_id(uow, [lid, *(c.registration.learner_id for c in promoted)])
            uow.commit()
        sync = uow.sync
        summary = "Registration cancelled."
        promoted_regs = [with_names(c.registration, people) for c in promoted]
        if not principal.is_staff:
            # Who took the freed seat is another learner's business.
            return RegistrationOutcome(cancelled, None, [], sync, summary)
        if promoted_regs:
            summary += " " + ", ".join(r.learner_name for r in promoted_regs) + " promoted from the waitlist."
        return RegistrationOutcome(with_names(cancelled, people), None, promoted_regs, sync, summary)

    def promote(self, principal: Principal, workshop_id: object, learner_id: object = None) -> RegistrationOutcome:
        """Give a free seat to a waitlisted learner (the first in line unless one is named)."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        lid = None if learner_id is None else parse_id(learner_id, "learner_id", "Learner")
        now = self._clock()
        with self._uow() as uow:
            workshop = load_managed(uow, principal, wid, "promote learners", lock=True)
            if workshop.is_cancelled:
                raise Conflict("This workshop is cancelled.")
            ledger = uow.ledger
            target = ledger.first_waitlisted(wid) if lid is None else ledger.get(wid, lid, lock=True)
            if target is None or target.status is not WAITLISTED:
                raise Conflict("Nobody is on the waitlist." if lid is None else "This learner is not on the waitlist.")
            if not uow.workshops.promote_seat(wid, now):
                raise Conflict("The workshop is full: raise the capacity or cancel a registration first.")
            promoted = ledger.set_status(wid, target.learner_id, CONFIRMED, now)
            self._sync.queue_changes(uow, principal, now, [Change(promoted, WAITLISTED, reason=STAFF_PROMOTION)])
            self._activity.record(uow, principal, "registration.promote", "workshop", wid,
                                  {"learner_id": target.learner_id},
                                  undo=Undoable("registration.promote", target.learner_id, registration_journal(target),
                                                {"attempt": promoted.attempt}, wid))
            people = people_by_id(uow, [target.learner_id])
            uow.commit()
        named = with_names(promoted, people)
        return RegistrationOutcome(named, None, [named], uow.sync,
                                   f"{named.learner_name} promoted from the waitlist.")

    # -- attendance and comments -------------------------------------------------------------
    def mark_attendance(self, principal: Principal, workshop_id: object,
                        marks: Mapping[Any, object]) -> Saved[AttendanceMarks]:
        """Mark several confirmed learners at once: {learner_id: present|late|excused|absent}; refused
        before the workshop is about to start (ATTENDANCE_OPENS_BEFORE_START)."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        if not isinstance(marks, Mapping) or not marks:
            raise ValidationError("Choose at least one learner to mark", field="attendance")
        if len(marks) > CAPACITY_MAX:
            raise ValidationError(f"At most {CAPACITY_MAX} learners can be marked at once", field="attendance")
        parsed: dict[int, Attendance] = {}
        for raw_id, raw_mark in marks.items():
            parsed[parse_id(raw_id, "learner_id", "Learner")] = attendance_mark(raw_mark)
        now = self._clock()
        with self._uow() as uow:
            markable_workshop(uow, principal, wid, now)
            ledger = uow.ledger
            missing = set(parsed) - ledger.confirmed_ids(wid, list(parsed))
            former = {r.learner_id: r for r in ledger.get_many([(wid, lid) for lid in parsed])}
            if missing:
                raise Conflict(f"{len(missing)} of the chosen learners have no confirmed seat in this workshop.")
            changed: list[Registration] = []
            for mark in Attendance:
                learners = sorted(lid for lid, m in parsed.items() if m is mark)
                if learners:
                    changed += ledger.mark_attendance(wid, learners, mark, principal.user_id, now)
            if changed:
                self._sync.queue_changes(uow, principal, now, [Change(r, status_changed=False) for r in changed])
                counts = {m.value: sum(1 for r in changed if r.attendance is m) for m in Attendance}
                self._activity.record(uow, principal, "registration.attendance", "workshop", wid,
                                      {"marked": len(changed), **counts},
                                      undo=[attendance_undo(former[r.learner_id], r) for r in changed])
            uow.commit()
        marked = AttendanceMarks(len(changed), len(parsed) - len(changed), sorted(r.learner_id for r in changed))
        return Saved(marked, uow.sync)

    def add_comment(self, principal: Principal, workshop_id: object, body: object) -> Saved[Comment]:
        """Add a staff comment, stored verbatim and shown as plain text."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        text = comment_body(body)
        now = self._clock()
        with self._uow() as uow:
            load_managed(uow, principal, wid, "comment on workshops")
            outbox_id = self._sync.queue_comment(uow, wid, principal, text, now)
            self._activity.record(uow, principal, "workshop.comment", "workshop", wid, {"chars": len(text)})
            uow.commit()
        comment = Comment(f"outbox:{outbox_id}", wid, principal.user_id, principal.full_name[:120], text, now)
        return Saved(comment, uow.sync)

    # -- reads for staff -----------------------------------------------------------------------
    def sheet(self, principal: Principal, workshop_id: object, confirmed: PageRequest = SHEET_PAGE,
              waitlist: PageRequest = SHEET_PAGE, cancelled: PageRequest = CANCELLED_PAGE,
              comments: PageRequest = COMMENTS_PAGE) -> RegistrationSheet:
        """The registrations screen: the workshop (PostgreSQL) with its registrations, their
        history and the comments (MongoDB), each list one page, names in one query."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        with self._uow() as uow:
            workshop = load_managed(uow, principal, wid, "see registrations")
            confirmed_page = self._documents.page(wid, CONFIRMED, confirmed)
            waitlist_page = self._documents.page(wid, WAITLISTED, waitlist)
            cancelled_page = self._documents.page(wid, CANCELLED, cancelled)
            shown = [*confirmed_page.items, *waitlist_page.items, *cancelled_page.items]
            history = self._documents.events_for([r.id for r in shown])
            comment_page = self._comments.page(wid, comments)
            people = people_by_id(uow, [*(r.learner_id for r in shown),
                                        *(r.attendance_by for r in shown if r.attendance_by)])
            pending = uow.outbox.pending_count()
        return RegistrationSheet(
            workshop=workshop,
            confirmed=[with_names(r, people) for r in confirmed_page.items], confirmed_total=confirmed_page.total,
            waitlist=[with_names(r, people) for r in waitlist_page.items], waitlist_total=waitlist_page.total,
            cancelled=[with_names(r, people) for r in cancelled_page.items], cancelled_total=cancelled_page.total,
            history=history, comments=comment_page.items, comments_total=comment_page.total, sync_pending=pending,
        )

    def candidates(self, principal: Principal, workshop_id: object, search: object = "",
                   limit: int = 20) -> list[LearnerChoice]:
        """Active learners matching `search`, for the register picker, with their status here."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        term = validation.text(search, "search", "Search", 0, 100) if search else ""
        with self._uow() as uow:
            load_managed(uow, principal, wid, "register learners")
            size = validation.integer(limit, "limit", "Limit", 1, 100)
            learners = uow.users.list(PageRequest(1, size), search=term, role=Role.LEARNER,
                                                     active_only=True).items
            statuses = statuses_of(uow, wid, [u.id for u in learners])
        return [LearnerChoice(u.id, u.full_name, u.email, statuses.get(u.id)) for u in learners]

    def history(self, principal: Principal, workshop_id: object, learner_id: object = None) -> list[RegistrationEvent]:
        """Every status change of one learner's registrations (all attempts) in a workshop."""
        require_role(principal, *Role, doing="see registrations")
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        lid = target_learner(principal, learner_id)
        with self._uow() as uow:
            workshop = load_workshop(uow, wid)
            if principal.is_staff:
                require_manager(principal, workshop, "see registrations")
        return self._documents.events_of_learner(wid, lid)

    def attendance_sheet(self, principal: Principal, workshop_id: object) -> list[AttendanceRow]:
        """Confirmed learners with their attendance mark, sorted by name."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        with self._uow() as uow:
            load_managed(uow, principal, wid, "see attendance")
            confirmed = self._documents.page(wid, CONFIRMED, PageRequest(1, CAPACITY_MAX)).items
            people = people_by_id(uow, [*(r.learner_id for r in confirmed),
                                        *(r.attendance_by for r in confirmed if r.attendance_by)])
        rows = []
        for reg in confirmed:
            learner = people.get(reg.learner_id)
            marker = people.get(reg.attendance_by) if reg.attendance_by else None
            rows.append(AttendanceRow(reg.learner_id, learner.full_name if learner else f"#{reg.learner_id}",
                                      learner.email if learner else "", reg.attendance, reg.attendance_at,
                                      marker.full_name if marker else ""))
        return sorted(rows, key=lambda r: (r.learner_name.lower(), r.learner_id))

    def export_attendance_csv(self, principal: Principal, workshop_id: object, path: object,
                              overwrite: bool = False) -> ExportResult:
        """Write the attendance sheet as CSV; an existing file is replaced only with overwrite=True."""
        # Rows first: the permission check must come before anything that looks at the path,
        # so a caller who may not export learns nothing about the file system either.
        rows = self.attendance_sheet(principal, workshop_id)
        target = export_target(export_path_text(path, overwrite), overwrite)
        write_export(target, csv_bytes(CSV_HEADER, [
            [row.learner_name, row.learner_email, row.attendance.value if row.attendance else "",
             when(row.attendance_at), row.marked_by]
            for row in rows
        ]), overwrite)
        return ExportResult(target, len(rows))

    # -- reads for learners ------------------------------------------------------------------
    def my_registrations(self, principal: Principal, page: PageRequest) -> Page[MyRegistration]:
        """The caller's own registrations, newest first: one per workshop, in its current state
        (a cancelled attempt followed by a new one shows as the new one; `history` has them all)."""
        require_role(principal, *Role, doing="see registrations")
        with self._uow() as uow:
            found = uow.ledger.for_learner(principal.user_id, page)
            workshops = uow.workshops.get_many([reg.workshop_id for reg, _ in found.items])
        # A workshop deleted between the two reads took its ledger rows with it (cascade).
        items = [MyRegistration(reg, workshops[reg.workshop_id], rank) for reg, rank in found.items
                 if reg.workshop_id in workshops]
        return Page(items, found.total, found.request)

    # -- helpers ----------------------------------------------------------------------------
    def _seat_or_waitlist(self, uow: UnitOfWork, workshop_id: int, now: datetime,
                          seat_tried: bool = False) -> tuple[RegistrationStatus, int | None]:
        """A seat if one is free, else a waitlist position (`seat_tried`: the caller's own
        attempt at a seat just failed, so the first round asks for a position at once)."""
        workshops = uow.workshops
        for _ in range(MAX_SEAT_ROUNDS):
            if not seat_tried and workshops.take_seat(workshop_id, now):
                return CONFIRMED, None
            seat_tried = False
            position = workshops.join_waitlist(workshop_id, now)
            if position is not None:
                return WAITLISTED, position
            # Neither matched: a seat was freed between the two statements, or the
            # workshop was cancelled meanwhile. Look again.
            check_open(load_workshop(uow, workshop_id), None, now)
        raise Conflict("This workshop is changing right now: please try again.")
