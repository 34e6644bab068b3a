"""The list screens' paging helper, without servers: a page past the end of a shrunk list is its last page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.models.paging import Page, PageRequest
from tui.controllers.paging import PageInfo, fetch_page, page_count


def pages_of(items: list[int]) -> tuple[list[PageRequest], Callable[[PageRequest], Page[int]]]:
    asked: list[PageRequest] = []

    def fetch(request: PageRequest) -> Page[int]:
        asked.append(request)
        return Page(items[request.offset:request.offset + request.size], len(items), request)

    return asked, fetch


def test_a_page_that_exists_is_fetched_once() -> None:
    asked, fetch = pages_of(list(range(25)))
    page = fetch_page(fetch, 2, 10)
    assert page.items == list(range(10, 20))
    assert [r.number for r in asked] == [2]


def test_a_page_past_the_end_of_a_shrunk_list_is_its_last_page() -> None:
    asked, fetch = pages_of(list(range(25)))
    page = fetch_page(fetch, 7, 10)
    assert page.items == list(range(20, 25))
    assert [r.number for r in asked] == [7, 3]


def test_an_empty_list_answers_with_its_page_one() -> None:
    asked, fetch = pages_of([])
    page = fetch_page(fetch, 4, 10)
    assert (page.items, page.request.number) == ([], 1)
    assert [r.number for r in asked] == [4, 1]


@dataclass(frozen=True)
class Ranking:
    """A result whose rows and page are not a Page's `items` (as the leaderboard and progress views)."""

    rows: list[int]
    timeline: Page[int]


def test_rows_and_the_counted_page_can_live_elsewhere_in_the_result() -> None:
    asked: list[int] = []

    def fetch(request: PageRequest) -> Ranking:
        asked.append(request.number)
        items = list(range(12))[request.offset:request.offset + request.size]
        return Ranking(items, Page(items, 12, request))

    ranking = fetch_page(fetch, 5, 5, rows=lambda r: r.rows, counted=lambda r: r.timeline)
    assert (ranking.rows, asked) == ([10, 11], [5, 3])


def test_page_count_and_the_label_a_list_screen_prints() -> None:
    assert [page_count(total, 50) for total in (0, 1, 50, 51)] == [1, 1, 1, 2]
    info = PageInfo.of(Page([], 51, PageRequest(2, 50)), "entry", "entries")
    assert (info.label, info.has_next, info.has_previous) == ("Page 2 of 2 · 51 entries", False, True)
    assert info.next_refusal == "This is the last page."
    assert PageInfo.of(Page([], 1, PageRequest(1, 50)), "user").label == "Page 1 of 1 · 1 user"
