"""A page of results, as every list screen receives it from a repository."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.errors import ValidationError

T = TypeVar("T")

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class PageRequest:
    """Which page to fetch: 1-based number and size (capped so a table stays fast).

    Both must be ints: a float or a digit string is refused, never truncated into a page."""

    number: int = 1
    size: int = 50

    def __post_init__(self) -> None:
        for name in ("number", "size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValidationError(f"Page {name} must be a whole number", field=f"page_{name}")
        object.__setattr__(self, "number", max(1, self.number))
        object.__setattr__(self, "size", min(MAX_PAGE_SIZE, max(1, self.size)))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class Page(Generic[T]):
    """Items of one page plus the total, so screens can say "page 2 of 40"."""

    items: list[T]
    total: int
    request: PageRequest

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.size))

    @property
    def has_next(self) -> bool:
        return self.request.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.request.number > 1
