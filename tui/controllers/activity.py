"""The activity log as the Activity screen sees it: newest first, paged, filtered."""

from __future__ import annotations

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


# Shown first, whatever their names: how an operation ended and why (backups and restores).
LEADING_DETAILS = ("outcome", "error")


def describe(details: dict[str, Any]) -> str:
    """Details as one line, uncut: `admin → trainer` or `key=value, …` (outcome and error first)."""
    if set(details) == {"before", "after"}:
        return f"{details['before']} → {details['after']}"
    rank = {key: i for i, key in enumerate(LEADING_DETAILS)}
    order = sorted(details, key=lambda key: (rank.get(key, len(rank)), key))
    return ", ".join(f"{key}={details[key]}" for key in order)


def _cells(entry: ActivityEntry) -> tuple[str, ...]:
    entity = f"{entry.entity} {entry.entity_id}".strip()
    return (entry.at.strftime("%Y-%m-%d %H:%M"), entry.actor_email, entry.action, entity, describe(entry.details))


@dataclass(frozen=True)
class ActivityPage:
    """A page of log lines, where it sits, and the filter that produced it."""

    rows: tuple[tuple[str, ...], ...]
    info: PageInfo
    actor: str
    action: str
    # Each row's details, shown whole under the table (the table cuts them to its column).
    details: tuple[str, ...] = ()


class ActivityController:
    """Reads the activity log for the current principal (the service refuses non-admins)."""

    def __init__(self, activity: ActivityService, principal: PrincipalSource, page_size: int = PAGE_SIZE) -> None:
        self._activity = activity
        self._principal = principal
        self._page_size = page_size

    def actions(self) -> tuple[str, ...]:
        """Every action name in the log, for the filter's choices."""
        return tuple(self._activity.actions(self._principal()))

    def page(self, number: int, actor: str = "", action: str = "") -> ActivityPage:
        actor, action = actor.strip().lower(), action.strip()
        if len(actor) > MAX_FILTER_CHARS:
            raise ValidationError(f"Actor must be at most {MAX_FILTER_CHARS} characters", field="actor")
        request = PageRequest(number, self._page_size)
        result = self._activity.list(self._principal(), request, actor=actor, action=action)
        rows = tuple(_cells(entry) for entry in result.items)
        details = tuple(describe(entry.details) for entry in result.items)
        return ActivityPage(rows, PageInfo.of(result, "entry", "entries"), actor, action, details)
