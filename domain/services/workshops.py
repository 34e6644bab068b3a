"""Workshops: create, edit, cancel, delete and list them, with who may do what."""

from __future__ import annotations

import builtins
import re
from datetime import UTC, datetime
from typing import Any

from domain import validation
from domain.errors import Conflict, PermissionDenied, ValidationError
from domain.models.paging import Page, PageRequest
from domain.models.sync import SyncStatus
from domain.models.users import Principal, Role, User
from domain.models.workshops import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    DESCRIPTION_MAX,
    DURATION_MAX,
    DURATION_MIN,
    PLACE_MAX,
    TITLE_MAX,
    TITLE_MIN,
    CatalogEntry,
    Saved,
    Workshop,
    WorkshopInput,
    WorkshopQuery,
    WorkshopScope,
    WorkshopSort,
)
from domain.repositories.sql.unit_of_work import UnitOfWork
from domain.services.access import require_role
from domain.services.batches import workshop_cancel_undo
from domain.services.forms import collect
from domain.services.workshop_rules import (
    HAS_REGISTRATIONS,
    WorkshopChanges,
    cancel_refusal,
    edit_refusal,
    fill_free_seats,
    load_managed,
    load_workshop,
    optional_reason,
)
from domain.services.workshop_sync import Change
from domain.validation import parse_id

_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|Z)?$")
START_HINT = "Start must be a date and time like 2026-12-01 14:00"
TRAINER_ROLES = (Role.TRAINER, Role.ADMIN)
DURATION = validation.WholeNumber("duration_minutes", "Duration", DURATION_MIN, DURATION_MAX)
CAPACITY = validation.WholeNumber("capacity", "Capacity", CAPACITY_MIN, CAPACITY_MAX)


def parse_start(value: object) -> datetime:
    """An aware datetime, or a "YYYY-MM-DD HH:MM" string read as UTC unless it has an offset."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError("Start must include a time zone", field="starts_at")
        return value.astimezone(UTC)
    if not isinstance(value, str) or not _DATETIME_RE.match(value.strip()):
        raise ValidationError(START_HINT, field="starts_at")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{value.strip()} is not a real date and time", field="starts_at") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _optional_text(value: object, field: str, label: str, max_len: int, multiline: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return validation.text(value, field, label, 1, max_len, multiline=multiline)


def _enum(enum_type: type[Any], value: object, field: str, label: str) -> Any:
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum_type)
        raise ValidationError(f"{label} must be one of {allowed}", field=field) from None


def checked_query(query: WorkshopQuery) -> WorkshopQuery:
    """The staff list's filter, search and sort, each checked (the bulk "select all" reads the same list)."""
    if not isinstance(query, WorkshopQuery):
        raise ValidationError("query must be a WorkshopQuery")
    search = validation.text(query.search, "search", "Search", 0, 100) if query.search else ""
    return WorkshopQuery(_enum(WorkshopScope, query.scope, "scope", "Filter"), search,
                         _enum(WorkshopSort, query.sort, "sort", "Sort"))


class WorkshopService(WorkshopChanges):
    """The workshop rules (PostgreSQL), each change logged in its own transaction."""

    # -- reads ---------------------------------------------------------------------------
    def get(self, principal: Principal, workshop_id: object) -> Workshop:
        """One workshop (any logged-in user: workshops hold no learner's details)."""
        require_role(principal, *Role, doing="see workshops")
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        with self._uow() as uow:
            return load_workshop(uow, wid)

    def list(self, principal: Principal, query: WorkshopQuery, page: PageRequest) -> Page[Workshop]:
        """The staff list: one page, filtered, searched and sorted by the database."""
        require_role(principal, Role.ADMIN, Role.TRAINER, doing="manage workshops")
        query = self._checked_query(query)
        with self._uow() as uow:
            return uow.workshops.list(query, page, self._clock(), principal.user_id)

    def catalog(self, principal: Principal, page: PageRequest, search: object = "",
                only_with_seats: bool = False) -> Page[CatalogEntry]:
        """Upcoming workshops as a learner sees them, with their own status in each."""
        require_role(principal, *Role, doing="see workshops")
        query = self._checked_query(WorkshopQuery(WorkshopScope.UPCOMING, search, WorkshopSort.DATE))  # type: ignore[arg-type]
        with self._uow() as uow:
            found = uow.workshops.list(query, page, self._clock(), principal.user_id,
                                                      only_with_seats=bool(only_with_seats))
            mine = uow.ledger.status_for_learner(principal.user_id, [w.id for w in found.items])
        entries = []
        for workshop in found.items:
            status, rank = mine.get(workshop.id, (None, None))
            entries.append(CatalogEntry(workshop, status, rank))
        return Page(entries, found.total, found.request)

    def catalog_entry(self, principal: Principal, workshop_id: object) -> CatalogEntry:
        """One workshop as the catalogue shows it to `principal`, with their own status and waitlist rank."""
        require_role(principal, *Role, doing="see workshops")
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        with self._uow() as uow:
            workshop = load_workshop(uow, wid)
            status, rank = uow.ledger.status_for_learner(principal.user_id, [wid]).get(wid, (None, None))
        return CatalogEntry(workshop, status, rank)

    def trainers(self, principal: Principal, search: object = "", limit: int = 50) -> builtins.list[User]:
        """Active trainers and admins, for the form's trainer picker."""
        require_role(principal, Role.ADMIN, Role.TRAINER, doing="manage workshops")
        term = validation.text(search, "search", "Search", 0, 100) if search else ""
        with self._uow() as uow:
            repo = uow.users
            people = [u for role in TRAINER_ROLES
                      for u in repo.list(PageRequest(1, limit), search=term, role=role, active_only=True).items]
        return sorted(people, key=lambda u: (u.full_name.lower(), u.id))[:limit]

    @staticmethod
    def _checked_query(query: WorkshopQuery) -> WorkshopQuery:
        return checked_query(query)

    # -- changes -------------------------------------------------------------------------
    def create(self, principal: Principal, data: WorkshopInput) -> Workshop:
        """Schedule a workshop; FormErrors lists every invalid field at once."""
        require_role(principal, Role.ADMIN, Role.TRAINER, doing="create workshops")
        now = self._clock()
        with self._uow() as uow:
            values = self._validated(uow, principal, data, now, current=None)
            workshop_id = uow.workshops.add(values, now)
            self._activity.record(uow, principal, "workshop.create", "workshop", workshop_id,
                                  {"title": values["title"], "starts_at": values["starts_at"].isoformat()})
            workshop = load_workshop(uow, workshop_id)
            uow.commit()
        return workshop

    def edit(self, principal: Principal, workshop_id: object, data: WorkshopInput) -> Saved[Workshop]:
        """Change a workshop; raising the capacity promotes waiting learners in order."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        now = self._clock()
        with self._uow() as uow:
            current = load_managed(uow, principal, wid, "edit workshops", lock=True)
            refusal = edit_refusal(current)
            if refusal:
                raise Conflict(refusal)
            values = self._validated(uow, principal, data, now, current=current)
            changed = {k: v for k, v in values.items() if getattr(current, k) != v}
            if not changed:
                return Saved(current, SyncStatus(True))
            uow.workshops.update(wid, now, **changed)
            promotions = fill_free_seats(uow, wid, now) if values["capacity"] > current.capacity else []
            self._activity.record(uow, principal, "workshop.edit", "workshop", wid,
                                  {"fields": ", ".join(sorted(changed)), "promoted": len(promotions)})
            if promotions:
                self._sync.queue_changes(uow, principal, now, promotions)
            workshop = load_workshop(uow, wid)
            uow.commit()
        return Saved(workshop, uow.sync)

    def cancel(self, principal: Principal, workshop_id: object, reason: object) -> Saved[Workshop]:
        """Cancel a workshop: every registration becomes cancelled with the same reason."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        why = optional_reason(reason, required=True)
        assert why is not None
        now = self._clock()
        with self._uow() as uow:
            workshop = load_managed(uow, principal, wid, "cancel workshops", lock=True)
            refusal = cancel_refusal(workshop, now)
            if refusal:
                raise Conflict(refusal)
            active = uow.ledger.active_in(wid)
            uow.workshops.cancel(wid, why, now)
            cancelled = uow.ledger.cancel_all_active(wid, why, now)
            self._activity.record(uow, principal, "workshop.cancel", "workshop", wid,
                                  {"reason": why, "registrations_cancelled": len(cancelled)},
                                  undo=workshop_cancel_undo(wid, active, now))
            if cancelled:
                self._sync.queue_changes(uow, principal, now, [Change(r, before, reason=why) for before, r in cancelled])
            workshop = load_workshop(uow, wid)
            uow.commit()
        return Saved(workshop, uow.sync)

    def delete(self, principal: Principal, workshop_id: object) -> None:
        """Delete a workshop nobody ever registered to (otherwise cancel it)."""
        wid = parse_id(workshop_id, "workshop_id", "Workshop id")
        with self._uow() as uow:
            workshop = load_managed(uow, principal, wid, "delete workshops", lock=True)
            if not uow.workshops.delete_unregistered(wid):
                raise Conflict(HAS_REGISTRATIONS)
            self._activity.record(uow, principal, "workshop.delete", "workshop", wid, {"title": workshop.title})
            self._sync.queue_purge(uow, [wid])
            uow.commit()

    # -- helpers -------------------------------------------------------------------------
    def _validated(self, uow: UnitOfWork, principal: Principal, data: WorkshopInput, now: datetime,
                   current: Workshop | None) -> dict[str, Any]:
        if not isinstance(data, WorkshopInput):
            raise ValidationError("workshop data must be a WorkshopInput")
        return collect({
            "title": lambda: validation.text(data.title, "title", "Title", TITLE_MIN, TITLE_MAX),
            "description": lambda: _optional_text(data.description, "description", "Description", DESCRIPTION_MAX,
                                                  multiline=True),
            "place": lambda: _optional_text(data.place, "place", "Place", PLACE_MAX),
            "trainer_id": lambda: self._trainer(uow, principal, data.trainer_id, current),
            "starts_at": lambda: self._start(data.starts_at, now, current),
            "duration_minutes": lambda: DURATION.parse(data.duration_minutes),
            "capacity": lambda: self._capacity(data.capacity, current),
        }, refusals=(PermissionDenied,))

    @staticmethod
    def _capacity(value: object, current: Workshop | None) -> int:
        capacity = CAPACITY.parse(value)
        if current is not None and capacity < current.seats_taken:
            raise ValidationError(f"Capacity cannot go below the {current.seats_taken} seats already taken",
                                  field="capacity")
        return capacity

    @staticmethod
    def _start(value: object, now: datetime, current: Workshop | None) -> datetime:
        start = parse_start(value)
        # Editing the description of a past workshop must not trip over its (past) start:
        # only a new or moved start has to be in the future.
        if (current is None or start != current.starts_at) and start <= now:
            raise ValidationError("Start must be in the future", field="starts_at")
        return start

    @staticmethod
    def _trainer(uow: UnitOfWork, principal: Principal, value: object, current: Workshop | None) -> int:
        if value is None or value == "":
            if principal.is_admin and current is None:
                raise ValidationError("Choose a trainer", field="trainer_id")
            return current.trainer_id if current is not None else principal.user_id
        trainer_id = parse_id(value, "trainer_id", "Trainer")
        if not principal.is_admin:
            if current is None and trainer_id != principal.user_id:
                raise PermissionDenied("Trainers can only schedule workshops they run themselves")
            if current is not None and trainer_id != current.trainer_id:
                raise PermissionDenied("Only an admin can hand a workshop to another trainer")
        if current is not None and trainer_id == current.trainer_id:
            return trainer_id
        user = uow.users.get(trainer_id)
        if user is None or not user.is_active or user.role not in TRAINER_ROLES:
            raise ValidationError("The trainer must be an active trainer or admin", field="trainer_id")
        return trainer_id
