"""Rules shared by the workshop and registration services: who manages what, and promotion."""

from __future__ import annotations

from datetime import datetime

# Re-exported: the workshop services import Clocked with their other rules from here.
from domain.clock import Clocked as Clocked
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.models.users import Principal
from domain.models.workshops import ATTENDANCE_OPENS_BEFORE_START, RegistrationStatus, Workshop
from domain.repositories.sql.registrations import RegistrationLedger
from domain.repositories.sql.unit_of_work import UnitOfWork
from domain.repositories.sql.workshops import WorkshopRepository
from domain.services import validation
from domain.services.workshop_sync import Change

MAX_ID = 2**63 - 1
PROMOTED_REASON = "promoted from the waitlist"


def parse_id(value: object, field: str, label: str) -> int:
    """A database id from a service argument or a form (digit string); refuses anything else."""
    return validation.integer(value, field, label, 1, MAX_ID)


def may_manage(principal: Principal, workshop: Workshop) -> bool:
    """Admins manage every workshop; a trainer only the workshops they run."""
    return principal.is_admin or (principal.is_staff and workshop.trainer_id == principal.user_id)


def require_manager(principal: Principal, workshop: Workshop, doing: str) -> None:
    if not isinstance(principal, Principal) or not principal.is_staff:
        raise PermissionDenied(f"Only trainers and admins may {doing}.")
    if not may_manage(principal, workshop):
        raise PermissionDenied(f"You may only {doing} for workshops you run.")


def load_workshop(uow: UnitOfWork, workshop_id: int, lock: bool = False) -> Workshop:
    workshop = WorkshopRepository(uow.conn).get(workshop_id, lock=lock)
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


def fill_free_seats(uow: UnitOfWork, workshop_id: int, now: datetime) -> list[Change]:
    """Promote waiting learners, first in line first, while a seat is free.

    The caller holds the workshop's row lock; each promotion takes its seat with the same
    conditional UPDATE as a registration, so capacity is never exceeded."""
    ledger, workshops = RegistrationLedger(uow.conn), WorkshopRepository(uow.conn)
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
