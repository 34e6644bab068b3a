"""The registration rules the service applies: who a registration is for, whether it may be made,
what a comment and an attendance mark must be, and how a registration names its people.

Plain functions (a unit of work is passed where they read), so the rules read in one place
and test without the service around them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from domain import validation
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.models.users import Principal, Role, User
from domain.models.workshops import COMMENT_MAX, Attendance, Registration, RegistrationStatus, Workshop
from domain.repositories.sql.unit_of_work import UnitOfWork
from domain.services.workshop_rules import already_registered, registration_refusal
from domain.validation import parse_id


def comment_body(value: object) -> str:
    """A comment is kept verbatim (1 to 10,000 characters, line breaks and tabs allowed)."""
    validation.valid_text(value, "body", "Comment")
    assert isinstance(value, str)
    if not value.strip():
        raise ValidationError("Comment is required", field="body")
    if len(value) > COMMENT_MAX:
        raise ValidationError(f"Comment must be at most {COMMENT_MAX} characters (got {len(value)})", field="body")
    if validation.has_control_chars(value.replace("\r\n", "\n"), allow_newlines=True):
        raise ValidationError("Comment must not contain control characters", field="body")
    return value


def when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else ""


def check_open(workshop: Workshop, principal: Principal | None, now: datetime) -> None:
    refusal = registration_refusal(workshop, principal, now)
    if refusal:
        raise Conflict(refusal)

def refuse_active(current: Registration | None, principal: Principal) -> None:
    refusal = already_registered(current.status if current is not None else None, principal.is_staff)
    if refusal:
        raise Conflict(refusal)

def target_learner(principal: Principal, learner_id: object) -> int:
    if not principal.is_staff:
        if learner_id is not None and learner_id != principal.user_id:
            raise PermissionDenied("Learners can only act on their own registrations.")
        return principal.user_id
    if learner_id is None:
        raise ValidationError("Choose a learner", field="learner_id")
    return parse_id(learner_id, "learner_id", "Learner")

def active_learner(uow: UnitOfWork, learner_id: int) -> User:
    return found_active_learner(uow.users.get(learner_id), learner_id)


def found_active_learner(user: User | None, learner_id: int) -> User:
    if user is None or user.role is not Role.LEARNER:
        raise NotFound(f"No learner with id {learner_id}.")
    if not user.is_active:
        raise Conflict(f"{user.full_name}'s account is deactivated.")
    return user

def attendance_mark(value: object) -> Attendance:
    if isinstance(value, Attendance):
        return value
    if isinstance(value, str) and value.strip().lower() in {a.value for a in Attendance}:
        return Attendance(value.strip().lower())
    raise ValidationError("Attendance must be present, late, excused or absent", field="attendance")

def people_by_id(uow: UnitOfWork, user_ids: list[int]) -> dict[int, User]:
    return uow.users.get_many(sorted(set(user_ids)))

def statuses_of(uow: UnitOfWork, workshop_id: int, learner_ids: list[int]) -> dict[int, RegistrationStatus]:
    rows = uow.ledger.get_many([(workshop_id, lid) for lid in learner_ids])
    return {r.learner_id: r.status for r in rows}

def with_names(registration: Registration, people: dict[int, User]) -> Registration:
    learner = people.get(registration.learner_id)
    marker = people.get(registration.attendance_by) if registration.attendance_by else None
    return replace(
        registration,
        learner_name=learner.full_name if learner else f"#{registration.learner_id}",
        learner_email=learner.email if learner else "",
        attendance_by_name=marker.full_name if marker else "",
    )


def export_path_text(path: object, overwrite: bool) -> str:
    """The export path as text a file name can be made of (the file system is asked later)."""
    if not isinstance(overwrite, bool):
        raise ValidationError("overwrite must be true or false", field="path")
    if isinstance(path, Path):
        raw = str(path)
    elif isinstance(path, str) and path.strip():
        raw = path.strip()
    else:
        raise ValidationError("Give a file path for the CSV", field="path")
    if validation.has_control_chars(validation.valid_text(raw, "path", "The path")):
        raise ValidationError("The path must not contain control characters", field="path")
    return raw
