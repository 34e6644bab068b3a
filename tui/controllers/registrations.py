"""One workshop's registrations as the registrations screen and its dialogs see them.

The screen is the brief's protected `/workshops/:id/registrations`: the workshop comes
from PostgreSQL, the registrations, their history and the comments from MongoDB, all in
one `RegistrationService.sheet` call; the service refuses anyone who does not manage it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.clock import Clock, utc_now
from domain.models.paging import Page, PageRequest
from domain.models.users import Principal
from domain.models.workshops import (
    Attendance,
    Comment,
    Registration,
    RegistrationEvent,
    RegistrationSheet,
    RegistrationStatus,
    Workshop,
)
from domain.services.registrations import RegistrationService
from domain.services.workshop_rules import attendance_refusal, registration_refusal
from tui.controllers.choices import Choice
from tui.controllers.paging import PageInfo, page_count
from tui.controllers.session import PrincipalSource
from tui.controllers.workshops import clip, when

SHEET_PAGE_SIZE = 100
PICKER_LIMIT = 20
# Cell widths that keep each list within 80 columns (the detail panel shows the whole text).
NAME_CELL = 20
EMAIL_CELL = 26
REASON_CELL = 16
COMMENT_PREVIEW = 40


class SheetView(enum.StrEnum):
    """The four lists of the registrations screen, in their tab order."""

    CONFIRMED = "confirmed"
    WAITLIST = "waitlist"
    CANCELLED = "cancelled"
    COMMENTS = "comments"


COLUMNS: dict[SheetView, tuple[str, ...]] = {
    SheetView.CONFIRMED: ("Learner", "Email", "Attendance", "Registered"),
    SheetView.WAITLIST: ("#", "Learner", "Email", "Waiting since"),
    SheetView.CANCELLED: ("Learner", "Email", "Cancelled", "Reason"),
    SheetView.COMMENTS: ("When (UTC)", "Author", "Comment"),
}
# What each list says when it is empty (and why a key acting on its selected row is greyed).
EMPTY_LISTS = {
    SheetView.CONFIRMED: "No confirmed learner yet: r registers one.",
    SheetView.WAITLIST: "Nobody is on the waitlist.",
    SheetView.CANCELLED: "No cancelled registration.",
    SheetView.COMMENTS: "No comment yet: m adds one.",
}
STILL_LOADING_SHEET = "The registrations are still loading."
CANCEL_NEEDS_A_REGISTRATION = "Comments have no registration to cancel: tab to the Confirmed or Waitlist list."
ALREADY_CANCELLED = "This registration is already cancelled."
ENTER_READS_COMMENTS = "Enter reads a comment: tab to the Comments list."
PROMOTE_CANCELLED = "This workshop is cancelled: nobody can be promoted."
ATTENDANCE_CANCELLED = "This workshop is cancelled: there is no attendance to mark."
NOBODY_CONFIRMED = "Nobody has a confirmed seat yet: there is no attendance to mark."
TAB_TITLES: dict[SheetView, str] = {
    SheetView.CONFIRMED: "Confirmed",
    SheetView.WAITLIST: "Waitlist",
    SheetView.CANCELLED: "Cancelled",
    SheetView.COMMENTS: "Comments",
}


@dataclass(frozen=True)
class RegistrationRow:
    """One registration in a list of the screen, with its cells for that list."""

    registration_id: str
    learner_id: int
    name: str
    email: str
    status: RegistrationStatus
    cells: tuple[str, ...]
    # Who marked the attendance and when, for the detail panel ("" when not marked).
    attendance_note: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name

    @property
    def cancel_refusal(self) -> str | None:
        """Why this registration cannot be cancelled; None when it can."""
        return None if self.status.active else ALREADY_CANCELLED


@dataclass(frozen=True)
class CommentRow:
    """One comment: a one-line preview in the table, the whole body for reading."""

    comment_id: str
    author: str
    at: str
    body: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class WorkshopHeading:
    """The workshop part of the screen (PostgreSQL), as short lines."""

    workshop_id: int
    title: str
    details: str
    seats: str
    cancelled_note: str
    is_cancelled: bool
    seats_taken: int
    capacity: int
    attendance_opens_at: datetime


@dataclass(frozen=True)
class RegistrationsSheet:
    """Everything the registrations screen shows, each list one page."""

    heading: WorkshopHeading
    confirmed: tuple[RegistrationRow, ...]
    waitlist: tuple[RegistrationRow, ...]
    cancelled: tuple[RegistrationRow, ...]
    comments: tuple[CommentRow, ...]
    pages: Mapping[SheetView, PageInfo]
    # History lines of each registration shown, by registration id.
    history: Mapping[str, tuple[str, ...]]
    sync_note: str
    # Why registering, promoting and marking attendance are refused now (None: allowed).
    register_refusal: str | None = None
    promote_refusal: str | None = None
    attendance_refusal: str | None = None

    def rows(self, view: SheetView) -> tuple[RegistrationRow, ...] | tuple[CommentRow, ...]:
        """The rows of one list."""
        lists: dict[SheetView, tuple[RegistrationRow, ...] | tuple[CommentRow, ...]] = {
            SheetView.CONFIRMED: self.confirmed, SheetView.WAITLIST: self.waitlist,
            SheetView.CANCELLED: self.cancelled, SheetView.COMMENTS: self.comments}
        return lists[view]

    def total(self, view: SheetView) -> int:
        return self.pages[view].total


NO_CANDIDATE = "No active learner matches."
NONE_AVAILABLE = "Everyone shown is already registered or waiting: type another name."


def candidates_status(options: Sequence[Choice]) -> str:
    """What the register picker says under the learners it shows (see SearchPicker's status)."""
    if not any(option.available for option in options):
        return NONE_AVAILABLE
    return f"{len(options)} learners shown; type more to narrow." if len(options) >= PICKER_LIMIT else ""


@dataclass(frozen=True)
class AttendanceChoice:
    """A confirmed learner in the attendance dialog, with their current mark."""

    learner_id: int
    name: str
    email: str
    mark: str


@dataclass(frozen=True)
class ExportDone:
    """Where the attendance sheet went and the line to tell the user."""

    path: str
    rows: int
    message: str


@dataclass(frozen=True)
class Outcome:
    """A change's one-line message (with the MongoDB sync warning when there is one)."""

    message: str
    synced: bool = True
    promoted: tuple[str, ...] = field(default_factory=tuple)


def _history_line(event: RegistrationEvent) -> str:
    change = f"{event.from_status.value} → {event.to_status.value}" if event.from_status else event.to_status.value
    why = f" · {event.reason}" if event.reason else ""
    return f"{when(event.at)}  {change}  by {event.by_email}{why}"


def _attendance(registration: Registration) -> str:
    if registration.attendance is None:
        return "not marked"
    return registration.attendance.value


def _short(at: datetime) -> str:
    # Inside one workshop's sheet the year goes without saying, and 80 columns are tight.
    return at.strftime("%d %b %H:%M")


def _confirmed(r: Registration) -> RegistrationRow:
    cells = (clip(r.learner_name, NAME_CELL), clip(r.learner_email, EMAIL_CELL), _attendance(r),
             _short(r.registered_at))
    note = ""
    if r.attendance is not None and r.attendance_at is not None:
        note = f"Attendance: {r.attendance.value}, marked {when(r.attendance_at)} by {r.attendance_by_name or '?'}"
    return RegistrationRow(r.id, r.learner_id, r.learner_name, r.learner_email, r.status, cells, note)


def _waiting(r: Registration, rank: int) -> RegistrationRow:
    cells = (str(rank), clip(r.learner_name, NAME_CELL), clip(r.learner_email, EMAIL_CELL), _short(r.registered_at))
    return RegistrationRow(r.id, r.learner_id, r.learner_name, r.learner_email, r.status, cells)


def _cancelled(r: Registration) -> RegistrationRow:
    cells = (clip(r.learner_name, NAME_CELL), clip(r.learner_email, EMAIL_CELL - 6), _short(r.updated_at),
             clip(r.cancel_reason or "", REASON_CELL))
    return RegistrationRow(r.id, r.learner_id, r.learner_name, r.learner_email, r.status, cells)


def _comment(c: Comment) -> CommentRow:
    cells = (when(c.at), clip(c.author_name, 16), clip(c.body, COMMENT_PREVIEW))
    return CommentRow(c.id, c.author_name, when(c.at), c.body, cells)


def _heading(w: Workshop) -> WorkshopHeading:
    place = f" · {w.place}" if w.place else ""
    details = (f"{w.trainer_name} · {w.starts_at.strftime('%a %d %b %Y %H:%M')}–{w.ends_at.strftime('%H:%M')} UTC"
               f" ({w.duration_minutes} min){place}")
    seats = f"Seats {w.seats_taken} of {w.capacity} taken · {w.seats_left} left · {w.waitlisted} on the waitlist"
    note = f"Cancelled on {when(w.cancelled_at)}: {w.cancel_reason}" if w.is_cancelled and w.cancelled_at else ""
    return WorkshopHeading(w.id, w.title, details, seats, note, w.is_cancelled, w.seats_taken, w.capacity,
                           w.attendance_opens_at)


def _totals(found: RegistrationSheet) -> dict[SheetView, int]:
    return {SheetView.CONFIRMED: found.confirmed_total, SheetView.WAITLIST: found.waitlist_total,
            SheetView.CANCELLED: found.cancelled_total, SheetView.COMMENTS: found.comments_total}


def _page_info(total: int, number: int, size: int, noun: str) -> PageInfo:
    # The sheet gives each list's items and total; PageInfo wants them as a Page.
    return PageInfo.of(Page([], total, PageRequest(number, size)), noun)


class RegistrationsController:
    """Forwards the registrations screen's actions for one workshop to the registration service."""

    def __init__(self, registrations: RegistrationService, principal: PrincipalSource, workshop_id: int,
                 page_size: int = SHEET_PAGE_SIZE, clock: Clock = utc_now) -> None:
        self._registrations = registrations
        self._principal = principal
        self.workshop_id = workshop_id
        self._page_size = page_size
        self._clock = clock

    def attendance_refusal(self, heading: WorkshopHeading) -> str | None:
        """Why the attendance key does nothing yet (the service's own rule and message), or None."""
        return attendance_refusal(heading.attendance_opens_at, self._clock())

    @property
    def default_export_path(self) -> str:
        """What the export dialog proposes: a file named after the workshop, in the current folder."""
        return f"./attendance-{self.workshop_id}.csv"

    def sheet(self, pages: Mapping[SheetView, int] | None = None) -> RegistrationsSheet:
        """The workshop and one page of each list (page numbers by list, 1 when not given)."""
        numbers = {view: max(1, (pages or {}).get(view, 1)) for view in SheetView}
        who = self._principal()
        found = self._fetch(who, numbers)
        totals = _totals(found)
        size = self._page_size
        # A list may have shrunk since its page was chosen: show its last page instead.
        last = {view: page_count(totals[view], size) for view in SheetView}
        if any(numbers[view] > last[view] for view in SheetView):
            numbers = {view: min(numbers[view], last[view]) for view in SheetView}
            found = self._fetch(who, numbers)
            totals = _totals(found)
        nouns = {SheetView.CONFIRMED: "learner", SheetView.WAITLIST: "learner", SheetView.CANCELLED: "registration",
                 SheetView.COMMENTS: "comment"}
        pages_info = {view: _page_info(totals[view], numbers[view], size, nouns[view]) for view in SheetView}
        first_rank = (numbers[SheetView.WAITLIST] - 1) * size + 1
        history = {rid: tuple(_history_line(e) for e in events) for rid, events in found.history.items()}
        pending = found.sync_pending
        sync_note = (f"{pending} change{'s' if pending != 1 else ''} waiting to be copied to MongoDB"
                     if pending else "")
        workshop = found.workshop
        promote = PROMOTE_CANCELLED if workshop.is_cancelled else (
            EMPTY_LISTS[SheetView.WAITLIST] if not totals[SheetView.WAITLIST] else None)
        attendance = ATTENDANCE_CANCELLED if workshop.is_cancelled else (
            NOBODY_CONFIRMED if not totals[SheetView.CONFIRMED] else None)
        return RegistrationsSheet(
            heading=_heading(found.workshop),
            confirmed=tuple(_confirmed(r) for r in found.confirmed),
            waitlist=tuple(_waiting(r, first_rank + i) for i, r in enumerate(found.waitlist)),
            cancelled=tuple(_cancelled(r) for r in found.cancelled),
            comments=tuple(_comment(c) for c in found.comments),
            pages=pages_info,
            history=history,
            sync_note=sync_note,
            register_refusal=registration_refusal(workshop, who, self._clock()),
            promote_refusal=promote,
            attendance_refusal=attendance,
        )

    def _fetch(self, who: Principal, numbers: Mapping[SheetView, int]) -> RegistrationSheet:
        size = self._page_size
        return self._registrations.sheet(
            who, self.workshop_id,
            confirmed=PageRequest(numbers[SheetView.CONFIRMED], size),
            waitlist=PageRequest(numbers[SheetView.WAITLIST], size),
            cancelled=PageRequest(numbers[SheetView.CANCELLED], size),
            comments=PageRequest(numbers[SheetView.COMMENTS], size),
        )

    # -- dialogs' data ------------------------------------------------------------------------
    def candidates(self, search: str = "") -> tuple[Choice, ...]:
        """Learners matching `search` for the register picker; those registered already are shown, with why not."""
        found = self._registrations.candidates(self._principal(), self.workshop_id, search.strip(), PICKER_LIMIT)
        options = []
        for choice in found:
            label = f"{choice.full_name} <{choice.email}>"
            active = choice.status is not None and choice.status.active
            note = {RegistrationStatus.CONFIRMED: "already registered",
                    RegistrationStatus.WAITLISTED: "already on the waitlist"}.get(choice.status, "") if (
                choice.status is not None and choice.status.active) else ""
            options.append(Choice(str(choice.learner_id), label, note, f"{label} is {note}." if active else None))
        return tuple(options)

    def attendance_choices(self) -> tuple[AttendanceChoice, ...]:
        """Every confirmed learner with their mark, sorted by name, for the attendance dialog."""
        rows = self._registrations.attendance_sheet(self._principal(), self.workshop_id)
        return tuple(AttendanceChoice(r.learner_id, r.learner_name, r.learner_email,
                                      r.attendance.value if r.attendance else "not marked") for r in rows)

    # -- changes ---------------------------------------------------------------------------------
    def register(self, learner_id: int) -> Outcome:
        outcome = self._registrations.register(self._principal(), self.workshop_id, learner_id)
        return Outcome(outcome.message, outcome.sync.synced)

    def cancel(self, learner_id: int, reason: str) -> Outcome:
        outcome = self._registrations.cancel(self._principal(), self.workshop_id, learner_id, reason or None)
        return Outcome(outcome.message, outcome.sync.synced, tuple(r.learner_name for r in outcome.promoted))

    def promote(self, learner_id: int | None = None) -> Outcome:
        outcome = self._registrations.promote(self._principal(), self.workshop_id, learner_id)
        return Outcome(outcome.message, outcome.sync.synced, tuple(r.learner_name for r in outcome.promoted))

    def mark_attendance(self, learner_ids: Iterable[int], mark: Attendance | str) -> Outcome:
        ids = sorted(set(learner_ids))
        saved = self._registrations.mark_attendance(self._principal(), self.workshop_id,
                                                    {learner_id: mark for learner_id in ids})
        value = Attendance(mark) if isinstance(mark, str) else mark
        changed = saved.value.changed
        summary = f"Marked {changed} learner{'s' if changed != 1 else ''} {value.value}."
        if saved.value.unchanged:
            summary += f" {saved.value.unchanged} already had that mark."
        return Outcome(f"{summary} {saved.sync.message}".strip(), saved.sync.synced)

    def add_comment(self, body: str) -> Outcome:
        saved = self._registrations.add_comment(self._principal(), self.workshop_id, body)
        return Outcome(f"Comment added. {saved.sync.message}".strip(), saved.sync.synced)

    def export(self, path: str, overwrite: bool = False) -> ExportDone:
        """Write the attendance sheet; ExportTargetExists when the file is there and overwrite is False."""
        result = self._registrations.export_attendance_csv(self._principal(), self.workshop_id, path, overwrite)
        count = f"{result.rows} learner{'s' if result.rows != 1 else ''}"
        return ExportDone(str(result.path), result.rows, f"Attendance sheet of {count} written to {result.path}.")

