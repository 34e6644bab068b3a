"""The activity log as the Activity screen sees it: newest first, paged, filtered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import ValidationError
from domain.models.paging import PageRequest
from domain.repositories.mongo.activity import ActivityEntry
from domain.services.activity import ActivityService
from tui.controllers.paging import PageInfo
from tui.controllers.session import PrincipalSource

PAGE_SIZE = 50
COLUMNS = ("When (UTC)", "Actor", "Action", "Entity", "Details")
MAX_FILTER_CHARS = 254
NO_FILTER = "No filter to clear: / filters by actor, f by action."
# An open batch shows at most this many of its rows.
BATCH_ROWS_SHOWN = 100
UNDOABLE_ACTIONS = frozenset({"registration.cancel", "registration.attendance", "registration.promote",
                              "workshop.cancel", "workshop.trainer", "user.deactivate", "user.activate"})
NOT_UNDOABLE = "This entry cannot be undone: only cancellations, attendance marks, promotions, trainer changes " \
               "and (de)activations made since undo exists can be."
IS_AN_UNDO = "This entry is an undo: do the change again instead of undoing the undo."


# Shown first, whatever their names: how an operation ended and why (backups and restores).
LEADING_DETAILS = ("outcome", "error")


def describe(details: dict[str, Any]) -> str:
    """Details as one line, uncut: `admin → trainer` or `key=value, …` (outcome and error first)."""
    if set(details) == {"before", "after"}:
        return f"{details['before']} → {details['after']}"
    rank = {key: i for i, key in enumerate(LEADING_DETAILS)}
    order = sorted(details, key=lambda key: (rank.get(key, len(rank)), key))
    return ", ".join(f"{key}={details[key]}" for key in order)


def _cells(entry: ActivityEntry, action: str | None = None, details: str | None = None) -> tuple[str, ...]:
    entity = f"{entry.entity} {entry.entity_id}".strip()
    return (entry.at.strftime("%Y-%m-%d %H:%M"), entry.actor_email, action or entry.action, entity,
            describe(entry.details) if details is None else details)


@dataclass(frozen=True)
class ActivityLine:
    """One line of the log table: an entry, a batch (one line for all its rows), or a row of an open batch."""

    cells: tuple[str, ...]
    details: str
    batch_id: str | None = None
    # The row of its batch this line undoes alone; None for a whole batch (or an entry of one row).
    row: int | None = None
    size: int = 1
    opened: bool = False
    # Why `u` cannot take this line back; None when it can be tried.
    undo_refusal: str | None = None
    # How a confirmation names it: "registration.cancel ×3 by admin@example.org at 2026-11-22 09:00".
    label: str = ""

    @property
    def is_batch(self) -> bool:
        return self.size > 1 and self.row is None


def _lines(entry: ActivityEntry, opened: bool, rows: Sequence[ActivityEntry]) -> list[ActivityLine]:
    """An entry's line, and when it is an open batch, a line for each of its rows after it."""
    full = describe(entry.details)
    when = entry.at.strftime("%Y-%m-%d %H:%M")
    label = f"{entry.action} by {entry.actor_email} at {when}"
    batch, size = entry.batch_id, entry.batch_size
    undoes = entry.batch.get("undoes") if entry.batch else None
    refusal = (IS_AN_UNDO if undoes
               else NOT_UNDOABLE if batch is None or entry.action not in UNDOABLE_ACTIONS else None)
    if size <= 1:
        return [ActivityLine(_cells(entry), full, batch, None, 1, False, refusal, label)]
    head = f"{'▾' if opened else '▸'} {entry.action} ×{size}"
    summary = f"batch of {size} rows · enter {'closes' if opened else 'opens'} it"
    lines = [ActivityLine(_cells(entry, head, summary),
                          f"A batch of {size} rows: enter {'closes' if opened else 'opens'} it"
                          + (", u undoes it all (or the row under the cursor once open)." if not refusal
                             else ". " + refusal),
                          batch, None, size, opened, refusal, f"{entry.action} ×{size} by {entry.actor_email} at {when}")]
    for row in rows:
        number = int(row.batch["row"]) if row.batch else 0
        lines.append(ActivityLine(_cells(row, f"  └ {row.action}"), describe(row.details), batch, number, size,
                                  False, refusal, f"row {number + 1} of {label}"))
    if opened and len(rows) < size:
        lines.append(ActivityLine(("", "", f"  └ … {size - len(rows)} more", "", ""), "", None, None, 1, False,
                                  NOT_UNDOABLE))
    return lines


@dataclass(frozen=True)
class ActivityPage:
    """A page of log lines, where it sits, and the filter that produced it."""

    rows: tuple[tuple[str, ...], ...]
    info: PageInfo
    actor: str
    action: str
    # Each row's details, shown whole under the table (the table cuts them to its column).
    details: tuple[str, ...] = ()
    lines: tuple[ActivityLine, ...] = ()


class ActivityController:
    """Reads the activity log for the current principal (the service refuses non-admins)."""

    def __init__(self, activity: ActivityService, principal: PrincipalSource, page_size: int = PAGE_SIZE) -> None:
        self._activity = activity
        self._principal = principal
        self._page_size = page_size

    def actions(self) -> tuple[str, ...]:
        """Every action name in the log, for the filter's choices."""
        return tuple(self._activity.actions(self._principal()))

    def page(self, number: int, actor: str = "", action: str = "",
             opened: frozenset[str] = frozenset()) -> ActivityPage:
        """A page of the log, a batch of several rows as one line (followed by its rows when `opened`)."""
        actor, action = actor.strip().lower(), action.strip()
        if len(actor) > MAX_FILTER_CHARS:
            raise ValidationError(f"Actor must be at most {MAX_FILTER_CHARS} characters", field="actor")
        request = PageRequest(number, self._page_size)
        who = self._principal()
        result = self._activity.list(who, request, actor=actor, action=action, batches=True)
        lines: list[ActivityLine] = []
        for entry in result.items:
            is_open = entry.batch_id in opened and entry.batch_size > 1
            rows = (self._activity.batch(who, entry.batch_id, PageRequest(1, BATCH_ROWS_SHOWN)).items
                    if is_open and entry.batch_id else [])
            lines += _lines(entry, is_open, rows)
        return ActivityPage(tuple(line.cells for line in lines), PageInfo.of(result, "entry", "entries"), actor,
                            action, tuple(line.details for line in lines), tuple(lines))
