"""Workshops as the staff list and the workshop form see them: pages of rows and form submissions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from domain.clock import Clock
from domain.models.users import Principal
from domain.models.workshops import Workshop, WorkshopInput, WorkshopQuery, WorkshopScope, WorkshopSort
from domain.services.workshop_rules import (
    cancel_refusal,
    delete_refusal,
    edit_refusal,
    manage_refusal,
    may_manage,
)
from domain.services.workshops import CAPACITY, DURATION, WorkshopService
from tui.controllers.paging import PageInfo, fetch_page
from tui.controllers.session import PrincipalSource

PAGE_SIZE = 50
COLUMNS = ("Date (UTC)", "Title", "Trainer", "Seats", "Wait")
DATE_FORMAT = "%Y-%m-%d %H:%M"
TRAINER_CHOICES = 100
# The fields of the workshop form, named as WorkshopInput names them (FormErrors uses them too).
FORM_FIELDS = ("title", "trainer_id", "starts_at", "duration_minutes", "capacity", "place", "description")
# What the whole-number fields say while typed: the service's own parser and message.
NUMBER_CHECKS = {"duration_minutes": DURATION.problem, "capacity": CAPACITY.problem}

SCOPE_LABELS: dict[WorkshopScope, str] = {
    WorkshopScope.UPCOMING: "Upcoming",
    WorkshopScope.PAST: "Past",
    WorkshopScope.MINE: "Mine",
    WorkshopScope.CANCELLED: "Cancelled",
}
SORT_LABELS: dict[WorkshopSort, str] = {WorkshopSort.DATE: "By date", WorkshopSort.FILL_RATE: "By fill rate"}
EMPTY_MESSAGES: dict[WorkshopScope, str] = {
    WorkshopScope.UPCOMING: "No upcoming workshop yet. Press n to schedule one.",
    WorkshopScope.PAST: "No past workshop.",
    WorkshopScope.MINE: "You run no scheduled workshop. Press n to schedule one.",
    WorkshopScope.CANCELLED: "No cancelled workshop.",
}


def one_line(text: str) -> str:
    """`text` on one line (a table cell: the table cuts it to its column, with an ellipsis)."""
    return " ".join(text.split())


def clip(text: str, width: int) -> str:
    """`text` on one line, cut to `width` characters with an ellipsis."""
    line = one_line(text)
    return line if len(line) <= width else line[: width - 1] + "…"


def when(at: datetime) -> str:
    """A UTC date and time as every workshop screen prints it."""
    return at.strftime(DATE_FORMAT)


@dataclass(frozen=True)
class WorkshopRow:
    """One workshop in the staff table, with what the current user may do to it (and why not)."""

    workshop_id: int
    title: str
    trainer_name: str
    starts: str
    seats_taken: int
    capacity: int
    waitlisted: int
    cancelled: bool
    manageable: bool
    # Why each change is refused to the current user, None when it is allowed.
    edit_refusal: str | None
    cancel_refusal: str | None
    delete_refusal: str | None
    open_refusal: str | None

    @property
    def key(self) -> int:
        return self.workshop_id

    @property
    def can_cancel(self) -> bool:
        return self.cancel_refusal is None

    @property
    def can_delete(self) -> bool:
        return self.delete_refusal is None

    @property
    def label(self) -> str:
        """How dialogs and messages name this workshop."""
        return f"{clip(self.title, 60)} ({self.starts})"

    @property
    def cells(self) -> tuple[str, ...]:
        return (self.starts, one_line(self.title), one_line(self.trainer_name),
                f"{self.seats_taken}/{self.capacity}", str(self.waitlisted) if self.waitlisted else "")

    @classmethod
    def of(cls, workshop: Workshop, principal: Principal, now: datetime) -> WorkshopRow:
        def unless_managed(doing: str, refusal: str | None) -> str | None:
            return manage_refusal(principal, workshop, doing) or refusal

        return cls(
            workshop_id=workshop.id,
            title=workshop.title,
            trainer_name=workshop.trainer_name,
            starts=when(workshop.starts_at),
            seats_taken=workshop.seats_taken,
            capacity=workshop.capacity,
            waitlisted=workshop.waitlisted,
            cancelled=workshop.is_cancelled,
            manageable=may_manage(principal, workshop),
            edit_refusal=unless_managed("edit it", edit_refusal(workshop)),
            cancel_refusal=unless_managed("cancel it", cancel_refusal(workshop, now)),
            delete_refusal=unless_managed("delete it", delete_refusal(workshop)),
            open_refusal=manage_refusal(principal, workshop, "see its registrations"),
        )


@dataclass(frozen=True)
class WorkshopsPage:
    """A page of workshops, where it sits, and what to say when it is empty."""

    rows: tuple[WorkshopRow, ...]
    info: PageInfo
    query: WorkshopQuery
    empty_message: str


@dataclass(frozen=True)
class TrainerOption:
    """One person the form's trainer picker offers."""

    user_id: int
    name: str


@dataclass(frozen=True)
class WorkshopForm:
    """What the workshop form starts with: its values as text and the trainer choices."""

    workshop_id: int | None
    heading: str
    values: Mapping[str, str]
    trainers: tuple[TrainerOption, ...]
    # A trainer schedules only for themselves: the picker shows them and cannot change.
    trainer_fixed: bool


@dataclass(frozen=True)
class WorkshopSaved:
    """A workshop after a change, and the line to tell the user."""

    row: WorkshopRow
    message: str
    # False when MongoDB missed the change (the message says it will be synced later).
    synced: bool = True


class WorkshopsController:
    """Forwards the staff workshops screen's actions to the workshop service."""

    def __init__(self, workshops: WorkshopService, principal: PrincipalSource, clock: Clock,
                 page_size: int = PAGE_SIZE) -> None:
        self._workshops = workshops
        self._principal = principal
        self._clock = clock
        self._page_size = page_size

    def page(self, number: int, scope: WorkshopScope = WorkshopScope.UPCOMING, search: str = "",
             sort: WorkshopSort = WorkshopSort.DATE) -> WorkshopsPage:
        query = WorkshopQuery(scope, search.strip(), sort)
        who = self._principal()
        result = fetch_page(lambda request: self._workshops.list(who, query, request), number, self._page_size)
        now = self._clock()
        rows = tuple(WorkshopRow.of(w, who, now) for w in result.items)
        empty = f"No workshop matches “{clip(query.search, 40)}”." if query.search else EMPTY_MESSAGES[scope]
        return WorkshopsPage(rows, PageInfo.of(result, "workshop"), query, empty)

    def form(self, workshop_id: int | None = None) -> WorkshopForm:
        """The form for a new workshop, or filled with an existing one's values."""
        who = self._principal()
        current = self._workshops.get(who, workshop_id) if workshop_id is not None else None
        if not who.is_admin:
            trainer = (TrainerOption(current.trainer_id, current.trainer_name) if current is not None
                       else TrainerOption(who.user_id, who.full_name))
            trainers: tuple[TrainerOption, ...] = (trainer,)
        else:
            people = self._workshops.trainers(who, limit=TRAINER_CHOICES)
            trainers = tuple(TrainerOption(u.id, u.full_name) for u in people)
            # A workshop keeps its trainer even if they were deactivated since: offer them too.
            if current is not None and all(t.user_id != current.trainer_id for t in trainers):
                trainers = (TrainerOption(current.trainer_id, current.trainer_name), *trainers)
        if current is None:
            values = {field: "" for field in FORM_FIELDS}
            values["trainer_id"] = "" if who.is_admin else str(who.user_id)
            return WorkshopForm(None, "New workshop", values, trainers, not who.is_admin)
        values = {
            "title": current.title,
            "trainer_id": str(current.trainer_id),
            "starts_at": when(current.starts_at),
            "duration_minutes": str(current.duration_minutes),
            "capacity": str(current.capacity),
            "place": current.place or "",
            "description": current.description or "",
        }
        return WorkshopForm(current.id, "Edit workshop", values, trainers, not who.is_admin)

    def create(self, values: Mapping[str, str]) -> WorkshopSaved:
        who = self._principal()
        workshop = self._workshops.create(who, self._input(values))
        return WorkshopSaved(WorkshopRow.of(workshop, who, self._clock()), f"Scheduled {workshop.title}.")

    def edit(self, workshop_id: int, values: Mapping[str, str]) -> WorkshopSaved:
        who = self._principal()
        saved = self._workshops.edit(who, workshop_id, self._input(values))
        message = f"Saved {saved.value.title}. {saved.sync.message}".strip()
        return WorkshopSaved(WorkshopRow.of(saved.value, who, self._clock()), message, saved.sync.synced)

    def cancel(self, workshop_id: int, reason: str) -> WorkshopSaved:
        who = self._principal()
        saved = self._workshops.cancel(who, workshop_id, reason)
        message = f"Cancelled {saved.value.title}; its registrations are cancelled too. {saved.sync.message}"
        return WorkshopSaved(WorkshopRow.of(saved.value, who, self._clock()), message.strip(), saved.sync.synced)

    def delete(self, workshop_id: int) -> None:
        self._workshops.delete(self._principal(), workshop_id)

    @staticmethod
    def _input(values: Mapping[str, str]) -> WorkshopInput:
        # The service validates every field and reports all errors at once; only an empty
        # trainer is turned into None, which the service reads as "keep / myself".
        return WorkshopInput(
            title=values.get("title", ""),
            trainer_id=values.get("trainer_id") or None,
            starts_at=values.get("starts_at", ""),
            duration_minutes=values.get("duration_minutes", ""),
            capacity=values.get("capacity", ""),
            description=values.get("description", ""),
            place=values.get("place", ""),
        )
