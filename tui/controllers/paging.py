"""What a list screen shows about the page it is on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from domain.models.paging import Page


@dataclass(frozen=True)
class PageInfo:
    """Page number, page count and total, with the label a list screen prints."""

    number: int
    pages: int
    total: int
    has_next: bool
    has_previous: bool
    label: str
    # Why an action on "the selected row" finds none: the list is empty.
    nothing_here: str = "This list is empty."

    @classmethod
    def of(cls, page: Page[Any], noun: str, plural: str | None = None) -> PageInfo:
        counted = noun if page.total == 1 else (plural or f"{noun}s")
        label = f"Page {page.request.number} of {page.pages} · {page.total} {counted}"
        return cls(page.request.number, page.pages, page.total, page.has_next, page.has_previous, label,
                   f"There is no {noun} on this list.")

    @property
    def next_refusal(self) -> str | None:
        """Why there is no next page; None when there is one."""
        if self.has_next:
            return None
        return "Everything is on this page." if self.pages <= 1 else "This is the last page."

    @property
    def previous_refusal(self) -> str | None:
        """Why there is no previous page; None when there is one."""
        if self.has_previous:
            return None
        return "Everything is on this page." if self.pages <= 1 else "This is the first page."


class ListRow(Protocol):
    """What a list screen needs of a row: a stable key (to keep the cursor on it) and its cells."""

    @property
    def key(self) -> int: ...

    @property
    def cells(self) -> tuple[str, ...]: ...
