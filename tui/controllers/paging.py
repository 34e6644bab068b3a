"""Paging for list screens: fetching a page that still exists, and what a screen shows about it."""

from __future__ import annotations

from collections.abc import Callable, Sized
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Protocol, TypeVar

from domain.models.paging import PageRequest

Fetched = TypeVar("Fetched")


class Counted(Protocol):
    """A page as the services return it: the request it answers and the whole list's total."""

    @property
    def request(self) -> PageRequest: ...

    @property
    def total(self) -> int: ...


def page_count(total: int, size: int) -> int:
    """How many pages `total` items fill at `size` a page (an empty list still has its page 1)."""
    return max(1, -(-total // size))


def _itself(page: Any) -> Any:
    return page


def fetch_page(fetch: Callable[[PageRequest], Fetched], number: int, size: int,
               rows: Callable[[Fetched], Sized] = attrgetter("items"),
               counted: Callable[[Fetched], Counted] = _itself) -> Fetched:
    """Page `number` from `fetch`; if the list has shrunk below it since it was chosen, the last page instead.

    `rows` and `counted` find the page's rows and its Counted part in what `fetch` returns
    (by default a Page itself, with its `items`)."""
    fetched = fetch(PageRequest(number, size))
    page = counted(fetched)
    last = page_count(page.total, page.request.size)
    if not rows(fetched) and number > last:
        fetched = fetch(PageRequest(last, size))
    return fetched


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
    def of(cls, page: Counted, noun: str, plural: str | None = None) -> PageInfo:
        number, total = page.request.number, page.total
        pages = page_count(total, page.request.size)
        counted = noun if total == 1 else (plural or f"{noun}s")
        return cls(number, pages, total, number < pages, number > 1, f"Page {number} of {pages} · {total} {counted}",
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
