"""Workshops, registrations, attendance and comments, as services hand them to the TUI."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Generic, TypeVar

from domain.models.sync import SyncStatus

T = TypeVar("T")

TITLE_MIN, TITLE_MAX = 3, 120
DESCRIPTION_MAX = 2000
PLACE_MAX = 120
DURATION_MIN, DURATION_MAX = 15, 600
CAPACITY_MIN, CAPACITY_MAX = 1, 500
REASON_MAX = 500
COMMENT_MAX = 10_000
# Attendance may be marked from this long before the start (the roll is called as people
# arrive), never earlier: a mark on a workshop that has not happened would count in scores.
ATTENDANCE_OPENS_BEFORE_START = timedelta(minutes=15)


class WorkshopStatus(enum.StrEnum):
    """Whether a workshop still takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RegistrationStatus(enum.StrEnum):
    """Where a learner's registration stands."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        """Confirmed or waiting: the learner may not register again until it is cancelled."""
        return self is not RegistrationStatus.CANCELLED


class Attendance(enum.StrEnum):
    """A trainer's attendance mark for a confirmed learner."""

    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def attended(self) -> bool:
        """Present or late counts as having attended (the progress module relies on this)."""
        return self in (Attendance.PRESENT, Attendance.LATE)


class WorkshopScope(enum.StrEnum):
    """The list filters of the workshops screen."""

    UPCOMING = "upcoming"
    PAST = "past"
    MINE = "mine"
    CANCELLED = "cancelled"


class WorkshopSort(enum.StrEnum):
    """The list orders of the workshops screen."""

    DATE = "date"
    FILL_RATE = "fill_rate"


def registration_id(workshop_id: int, learner_id: int, attempt: int) -> str:
    """The deterministic MongoDB `_id` of one registration attempt."""
    return f"w{workshop_id}:l{learner_id}:{attempt}"


@dataclass(frozen=True)
class Workshop:
    """A workshop (PostgreSQL `workshops`) with its trainer's name."""

    id: int
    title: str
    description: str | None
    place: str | None
    trainer_id: int
    trainer_name: str
    starts_at: datetime
    duration_minutes: int
    capacity: int
    seats_taken: int
    waitlisted: int
    status: WorkshopStatus
    cancel_reason: str | None
    cancelled_at: datetime | None
    registrations_ever: int
    created_at: datetime
    updated_at: datetime

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    @property
    def fill_rate(self) -> float:
        """Seats taken over capacity, 0.0 to 1.0."""
        return self.seats_taken / self.capacity if self.capacity else 0.0

    @property
    def is_cancelled(self) -> bool:
        return self.status is WorkshopStatus.CANCELLED

    @property
    def can_delete(self) -> bool:
        """Only a workshop nobody ever registered to may be deleted."""
        return self.registrations_ever == 0

    def has_started(self, now: datetime) -> bool:
        return now >= self.starts_at

    @property
    def attendance_opens_at(self) -> datetime:
        """From when attendance may be marked (ATTENDANCE_OPENS_BEFORE_START before the start)."""
        return self.starts_at - ATTENDANCE_OPENS_BEFORE_START


@dataclass(frozen=True)
class WorkshopInput:
    """Raw values of the workshop form; the service validates and converts every field.

    Integers may come as digit strings and `starts_at` as an aware datetime or a
    "YYYY-MM-DD HH:MM" string (UTC unless it carries an offset), as a form holds them."""

    title: object
    trainer_id: object
    starts_at: object
    duration_minutes: object
    capacity: object
    description: object = None
    place: object = None


@dataclass(frozen=True)
class WorkshopQuery:
    """Filter, search and order of the workshops list."""

    scope: WorkshopScope = WorkshopScope.UPCOMING
    search: str = ""
    sort: WorkshopSort = WorkshopSort.DATE


@dataclass(frozen=True)
class Registration:
    """One registration attempt (MongoDB `registrations`, projected from the ledger).

    `learner_name`/`learner_email` and `attendance_by_name` are filled from PostgreSQL
    by the service when it shows the registration to staff."""

    workshop_id: int
    learner_id: int
    attempt: int
    status: RegistrationStatus
    waitlist_position: int | None
    registered_at: datetime
    updated_at: datetime
    attendance: Attendance | None = None
    attendance_at: datetime | None = None
    attendance_by: int | None = None
    cancel_reason: str | None = None
    version: int = 1
    learner_name: str = ""
    learner_email: str = ""
    attendance_by_name: str = ""

    @property
    def id(self) -> str:
        return registration_id(self.workshop_id, self.learner_id, self.attempt)

    @property
    def attended(self) -> bool:
        return self.attendance is not None and self.attendance.attended


@dataclass(frozen=True)
class RegistrationEvent:
    """One status change of a registration (append-only `registration_events`)."""

    id: str
    registration_id: str
    workshop_id: int
    learner_id: int
    from_status: RegistrationStatus | None
    to_status: RegistrationStatus
    by_id: int
    by_email: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class Comment:
    """A staff comment on a workshop (MongoDB `comments`), body stored verbatim."""

    id: str
    workshop_id: int
    author_id: int
    author_name: str
    body: str
    at: datetime


@dataclass(frozen=True)
class Saved(Generic[T]):
    """A change committed in PostgreSQL, its value, and whether MongoDB has it yet."""

    value: T
    sync: SyncStatus


@dataclass(frozen=True)
class RegistrationOutcome:
    """What a register / cancel / promote did, with a one-line message for the screen."""

    registration: Registration
    waitlist_rank: int | None
    promoted: list[Registration]
    sync: SyncStatus
    summary: str

    @property
    def message(self) -> str:
        return f"{self.summary} {self.sync.message}".strip()


@dataclass(frozen=True)
class RegistrationSheet:
    """Everything the protected registrations screen shows for one workshop.

    The workshop comes from PostgreSQL; registrations, their history and comments from
    MongoDB, each list paged; names of learners and markers from one PostgreSQL query."""

    workshop: Workshop
    confirmed: list[Registration]
    confirmed_total: int
    waitlist: list[Registration]
    waitlist_total: int
    cancelled: list[Registration]
    cancelled_total: int
    history: dict[str, list[RegistrationEvent]]
    comments: list[Comment]
    comments_total: int
    sync_pending: int


@dataclass(frozen=True)
class CatalogEntry:
    """A workshop as a learner sees it, with their own registration status if any."""

    workshop: Workshop
    my_status: RegistrationStatus | None
    my_waitlist_rank: int | None = None


@dataclass(frozen=True)
class MyRegistration:
    """One of a learner's own registrations, with its workshop."""

    registration: Registration
    workshop: Workshop
    waitlist_rank: int | None


@dataclass(frozen=True)
class AttendanceRow:
    """One line of the attendance sheet (confirmed learners)."""

    learner_id: int
    learner_name: str
    learner_email: str
    attendance: Attendance | None
    attendance_at: datetime | None
    marked_by: str


@dataclass(frozen=True)
class ExportResult:
    """Where the attendance sheet was written and how many learners it lists."""

    path: Path
    rows: int


@dataclass(frozen=True)
class AttendanceMarks:
    """How many marks an attendance change set (the rest were already so)."""

    changed: int
    unchanged: int
    learner_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class LearnerChoice:
    """A learner offered by the registration picker, with their status in the workshop."""

    learner_id: int
    full_name: str
    email: str
    status: RegistrationStatus | None
