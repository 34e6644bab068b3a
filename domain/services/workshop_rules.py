"""Rules shared by the workshop and registration services: who manages what, and promotion."""

from __future__ import annotations

from datetime import datetime

from domain import validation

# Re-exported: the workshop services import Clocked with their other rules from here.
from domain.clock import Clock, utc_now
from domain.clock import Clocked as Clocked
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.models.users import Principal
from domain.models.workshops import ATTENDANCE_OPENS_BEFORE_START, RegistrationStatus, Workshop
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.services.activity import ActivityService
from domain.services.workshop_sync import Change, WorkshopSync

PROMOTED_REASON = "promoted from the waitlist"


def may_manage(principal: Principal, workshop: Workshop) -> bool:
    """Admins manage every workshop; a trainer only the workshops they run."""
    return principal.is_admin or (principal.is_staff and workshop.trainer_id == principal.user_id)


# Why a workshop or a registration refuses a change: the services raise these, and the
# screens say them when they grey the key that would make the change.
EDIT_CANCELLED = "This workshop is cancelled: it can no longer be edited."
ALREADY_CANCELLED = "This workshop is already cancelled."
ALREADY_TOOK_PLACE = "This workshop has already taken place: it cannot be cancelled."
HAS_REGISTRATIONS = "Learners have registered to this workshop: cancel it instead of deleting it."
CLOSED_CANCELLED = "This workshop is cancelled: it takes no registrations."
CLOSED_STARTED = "This workshop has already started: registrations are closed."
NOT_REGISTERED = "You are not registered for this workshop."
STARTED_ASK_TRAINER = "This workshop has started: ask your trainer to cancel your registration."


def manage_refusal(principal: Principal, workshop: Workshop, doing: str) -> str | None:
    """Why `principal` may not `doing` (e.g. "edit it") on `workshop`; None when they manage it."""
    if may_manage(principal, workshop):
        return None
    if not principal.is_staff:
        return f"Only trainers and admins may {doing}."
    return f"{workshop.trainer_name} runs this workshop: only they or an admin may {doing}."


def edit_refusal(workshop: Workshop) -> str | None:
    """Why the workshop cannot be edited (whoever asks); None when it can."""
    return EDIT_CANCELLED if workshop.is_cancelled else None


def cancel_refusal(workshop: Workshop, now: datetime) -> str | None:
    """Why the workshop cannot be cancelled now; None when it can."""
    if workshop.is_cancelled:
        return ALREADY_CANCELLED
    return ALREADY_TOOK_PLACE if now >= workshop.ends_at else None


def delete_refusal(workshop: Workshop) -> str | None:
    """Why the workshop cannot be deleted: someone ever registered to it."""
    return None if workshop.can_delete else HAS_REGISTRATIONS


def registration_refusal(workshop: Workshop, principal: Principal | None, now: datetime) -> str | None:
    """Why the workshop takes no registration now (a learner's own closes at its start; staff's do not)."""
    if workshop.is_cancelled:
        return CLOSED_CANCELLED
    if principal is not None and not principal.is_staff and workshop.has_started(now):
        return CLOSED_STARTED
    return None


def already_registered(status: RegistrationStatus | None, staff: bool) -> str | None:
    """Why a learner with this registration status cannot register again; None when they can."""
    if status is None or not status.active:
        return None
    where = "on the waitlist" if status is RegistrationStatus.WAITLISTED else "registered"
    who = "This learner is" if staff else "You are"
    return f"{who} already {where} for this workshop."


def own_cancel_refusal(status: RegistrationStatus | None, workshop: Workshop, now: datetime) -> str | None:
    """Why a learner cannot cancel their own registration (with this status) now; None when they can."""
    if status is None or not status.active:
        return NOT_REGISTERED
    return STARTED_ASK_TRAINER if workshop.has_started(now) else None


def require_manager(principal: Principal, workshop: Workshop, doing: str) -> None:
    if not isinstance(principal, Principal) or not principal.is_staff:
        raise PermissionDenied(f"Only trainers and admins may {doing}.")
    if not may_manage(principal, workshop):
        raise PermissionDenied(f"You may only {doing} for workshops you run.")


def load_workshop(uow: UnitOfWork, workshop_id: int, lock: bool = False) -> Workshop:
    return found_workshop(uow.workshops.get(workshop_id, lock=lock), workshop_id)


def found_workshop(workshop: Workshop | None, workshop_id: int) -> Workshop:
    if workshop is None:
        raise NotFound(f"No workshop with id {workshop_id}.")
    return workshop


def load_managed(uow: UnitOfWork, principal: Principal, workshop_id: int, doing: str, lock: bool = False) -> Workshop:
    """The workshop, if the caller manages it (`lock` first takes its row lock)."""
    workshop = load_workshop(uow, workshop_id, lock=lock)
    require_manager(principal, workshop, doing)
    return workshop


def attendance_refusal(opens_at: datetime, now: datetime) -> str | None:
    """Why attendance may not be marked yet (None once it may): the one message the
    service raises and the registrations screen shows at the key."""
    if now >= opens_at:
        return None
    minutes = int(ATTENDANCE_OPENS_BEFORE_START.total_seconds() // 60)
    return (f"Attendance opens {minutes} minutes before the workshop starts: "
            f"from {opens_at:%Y-%m-%d %H:%M} UTC.")


def markable_workshop(uow: UnitOfWork, principal: Principal, workshop_id: int, now: datetime) -> Workshop:
    """The workshop, locked, if the caller manages it and its attendance may be marked now."""
    workshop = load_managed(uow, principal, workshop_id, "mark attendance", lock=True)
    if workshop.is_cancelled:
        raise Conflict("This workshop is cancelled: there is no attendance to mark.")
    refusal = attendance_refusal(workshop.attendance_opens_at, now)
    if refusal:
        raise Conflict(refusal)
    return workshop


def fill_free_seats(uow: UnitOfWork, workshop_id: int, now: datetime) -> list[Change]:
    """Promote waiting learners, first in line first, while a seat is free.

    The caller holds the workshop's row lock; each promotion takes its seat with the same
    conditional UPDATE as a registration, so capacity is never exceeded."""
    ledger, workshops = uow.ledger, uow.workshops
    changes: list[Change] = []
    while (first := ledger.first_waitlisted(workshop_id)) is not None:
        if not workshops.promote_seat(workshop_id, now):
            break
        promoted = ledger.set_status(workshop_id, first.learner_id, RegistrationStatus.CONFIRMED, now)
        changes.append(Change(promoted, RegistrationStatus.WAITLISTED, reason=PROMOTED_REASON))
    return changes


def optional_reason(value: object, field: str = "reason", required: bool = False) -> str | None:
    """A one-line reason of at most 500 characters (None when optional and blank)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError("A reason is required", field=field)
        return None
    return validation.text(value, field, "Reason", 1, 500)


class WorkshopChanges(Clocked):
    """A service that changes workshops or registrations: each change in a unit of work, its
    activity-log line and its MongoDB side queued in the same transaction."""

    def __init__(self, uow_factory: UnitOfWorkFactory, activity: ActivityService, sync: WorkshopSync,
                 clock: Clock = utc_now) -> None:
        self._uow = uow_factory
        self._activity = activity
        self._sync = sync
        self._clock = clock
