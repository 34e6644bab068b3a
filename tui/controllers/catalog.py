"""Workshops as a learner sees them: the upcoming catalog and their own registrations.

Only the learner's own registrations ever reach this controller: the catalog carries
seat counts, never another learner's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.clock import Clock
from domain.models.users import Principal
from domain.models.workshops import CatalogEntry, MyRegistration, RegistrationStatus, Workshop
from domain.services.registrations import RegistrationService
from domain.services.workshop_rules import already_registered, own_cancel_refusal, registration_refusal
from domain.services.workshops import WorkshopService
from tui.controllers.paging import PageInfo, fetch_page
from tui.controllers.registrations import Outcome
from tui.controllers.session import PrincipalSource
from tui.controllers.workshops import PAGE_SIZE, clip, one_line, when

CATALOG_COLUMNS = ("Date (UTC)", "Title", "Trainer", "Seats", "You")
MINE_COLUMNS = ("Date (UTC)", "Title", "Status", "Attendance")
# Why `f` and `/` are greyed on the learner's own registrations.
MINE_HAS_NO_FILTER = "Search and the free-seats filter are for the upcoming workshops: press o to go back to them."


def _status_label(status: RegistrationStatus | None, rank: int | None, short: bool = False) -> str:
    if status is RegistrationStatus.WAITLISTED:
        word = "wait" if short else "waitlist"
        return f"{word} #{rank}" if rank else word
    return status.value if status is not None else ""


@dataclass(frozen=True)
class LearnerRow:
    """What a learner may do to one workshop of their screen, and why not."""

    workshop_id: int
    title: str
    cells: tuple[str, ...]
    register_refusal: str | None
    cancel_refusal: str | None

    @property
    def key(self) -> int:
        return self.workshop_id

    @property
    def can_register(self) -> bool:
        return self.register_refusal is None

    @property
    def can_cancel(self) -> bool:
        return self.cancel_refusal is None


def _refusals(workshop: Workshop, status: RegistrationStatus | None, who: Principal,
              now: datetime) -> tuple[str | None, str | None]:
    """Why the learner may not register for `workshop`, and why not cancel, given their `status` in it."""
    register = registration_refusal(workshop, who, now) or already_registered(status, staff=False)
    return register, own_cancel_refusal(status, workshop, now)


class CatalogRow(LearnerRow):
    """One upcoming workshop, with the learner's own status and what they may do."""

    @classmethod
    def of(cls, entry: CatalogEntry, who: Principal, now: datetime) -> CatalogRow:
        w = entry.workshop
        seats = f"{w.seats_left} left" if w.seats_left else "full"
        cells = (when(w.starts_at), one_line(w.title), one_line(w.trainer_name), seats,
                 _status_label(entry.my_status, entry.my_waitlist_rank, short=True))
        return cls(w.id, w.title, cells, *_refusals(w, entry.my_status, who, now))


class MyRegistrationRow(LearnerRow):
    """One of the learner's own registrations (registering again is allowed once it is cancelled)."""

    @classmethod
    def of(cls, mine: MyRegistration, who: Principal, now: datetime) -> MyRegistrationRow:
        r, w = mine.registration, mine.workshop
        # A cancelled workshop cancelled the registration too: its status says "cancelled".
        status = _status_label(r.status, mine.waitlist_rank)
        attendance = r.attendance.value if r.attendance else ""
        cells = (when(w.starts_at), one_line(w.title), status, attendance)
        return cls(w.id, w.title, cells, *_refusals(w, r.status, who, now))


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _my_status(status: RegistrationStatus | None, rank: int | None) -> str:
    if status is RegistrationStatus.CONFIRMED:
        return "You have a seat."
    if status is RegistrationStatus.WAITLISTED:
        return f"You are on the waitlist, #{rank}." if rank else "You are on the waitlist."
    if status is RegistrationStatus.CANCELLED:
        return "You cancelled your registration."
    return "You are not registered."


def _seats(workshop: Workshop) -> str:
    if workshop.seats_left:
        return f"{workshop.seats_left} left of {workshop.capacity}"
    waiting = f" · {workshop.waitlisted} on the waitlist" if workshop.waitlisted else ""
    return f"full ({workshop.capacity} seats){waiting}"


@dataclass(frozen=True)
class WorkshopDetail(LearnerRow):
    """One workshop in full for a learner: what it is, where and when, seats left, and where they stand."""

    # (label, value) lines under the title, in the order shown.
    facts: tuple[tuple[str, str], ...] = ()
    description: str = ""
    my_status: str = ""

    @classmethod
    def of(cls, entry: CatalogEntry, who: Principal, now: datetime) -> WorkshopDetail:
        w = entry.workshop
        facts = [
            ("When", f"{when(w.starts_at)} to {w.ends_at.strftime('%H:%M')} UTC"),
            ("Duration", _duration(w.duration_minutes)),
            ("Place", w.place or "not given"),
            ("Trainer", w.trainer_name),
            ("Seats", "cancelled" if w.is_cancelled else _seats(w)),
        ]
        if w.is_cancelled:
            facts.append(("Cancelled", w.cancel_reason or "no reason given"))
        cells = (when(w.starts_at), w.title)
        return cls(w.id, w.title, cells, *_refusals(w, entry.my_status, who, now), facts=tuple(facts),
                   description=w.description or "No description.",
                   my_status=_my_status(entry.my_status, entry.my_waitlist_rank))


@dataclass(frozen=True)
class CatalogPage:
    """A page of the catalog or of the learner's registrations."""

    rows: tuple[CatalogRow, ...] | tuple[MyRegistrationRow, ...]
    info: PageInfo
    empty_message: str
    # True for the learner's own registrations, False for the catalog.
    mine: bool = False


class CatalogController:
    """The learner's workshops screen: browse, register or join the waitlist, cancel, see their own."""

    def __init__(self, workshops: WorkshopService, registrations: RegistrationService, principal: PrincipalSource,
                 clock: Clock, page_size: int = PAGE_SIZE) -> None:
        self._workshops = workshops
        self._registrations = registrations
        self._principal = principal
        self._clock = clock
        self._page_size = page_size

    def catalog(self, number: int, search: str = "", only_with_seats: bool = False) -> CatalogPage:
        """Upcoming workshops, soonest first, with the learner's status in each."""
        who, term = self._principal(), search.strip()
        found = fetch_page(lambda request: self._workshops.catalog(who, request, term, only_with_seats), number,
                           self._page_size)
        if term:
            empty = f"No upcoming workshop matches “{clip(term, 40)}”."
        else:
            empty = "No upcoming workshop with a free seat." if only_with_seats else "No upcoming workshop yet."
        now = self._clock()
        rows = tuple(CatalogRow.of(e, who, now) for e in found.items)
        return CatalogPage(rows, PageInfo.of(found, "workshop"), empty)

    def mine(self, number: int) -> CatalogPage:
        """The learner's own registrations, newest first: each workshop once, in its current state."""
        who = self._principal()
        found = fetch_page(lambda request: self._registrations.my_registrations(who, request), number,
                           self._page_size)
        now = self._clock()
        rows = tuple(MyRegistrationRow.of(m, who, now) for m in found.items)
        return CatalogPage(rows, PageInfo.of(found, "registration"),
                           "You have no registration yet. Press o for the upcoming workshops.", mine=True)

    def detail(self, workshop_id: int) -> WorkshopDetail:
        """One workshop in full, with the learner's status and rank and what they may do."""
        who = self._principal()
        return WorkshopDetail.of(self._workshops.catalog_entry(who, workshop_id), who, self._clock())

    def register(self, workshop_id: int) -> Outcome:
        """Take a seat (or a waitlist place)."""
        outcome = self._registrations.register(self._principal(), workshop_id)
        return Outcome(outcome.message, outcome.sync.synced)

    def cancel(self, workshop_id: int) -> Outcome:
        """Cancel the learner's own registration."""
        outcome = self._registrations.cancel(self._principal(), workshop_id)
        return Outcome(outcome.message, outcome.sync.synced)
