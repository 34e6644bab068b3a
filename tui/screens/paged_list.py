"""The shared shape of list screens: one DataTable filled a page at a time by a controller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from functools import partial
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable, Input, Select, Static
from textual.widgets._select import SelectOverlay
from textual.worker import Worker

from tui.controllers.paging import ListRow, PageInfo
from tui.refusals import STILL_LOADING, GreysRefusedActions
from tui.screens.base import ShellScreen, deliver
from tui.screens.read_ahead import ReadAhead
from tui.widgets.fit_table import FitTable
from tui.widgets.searching import SEARCH_PAUSE, no_match
from tui.widgets.tables import fill_table, row_at_cursor

PAGES = Binding.Group("Page", compact=True)

# Appended to a list screen's own BINDINGS, so its own keys come first in the footer.
PAGE_BINDINGS = [
    Binding("left_square_bracket", "previous_page", "Previous page", key_display="[", id="previous-page",
            group=PAGES),
    Binding("right_square_bracket", "next_page", "Next page", key_display="]", id="next-page", group=PAGES),
    # escape in a search field or a filter leaves it; elsewhere it falls through to the shell's "back".
    Binding("escape", "leave_filter", "Leave the filter", show=False),
]


RowT = TypeVar("RowT", bound=ListRow)


class PagedListScreen(ReadAhead, GreysRefusedActions, ShellScreen, Generic[RowT]):
    """Paging keys, the "page 2 of 40" label, the selected row and the search field of a list screen.

    Subclasses name their table, page label and PAGE_GROUP, and implement `read_page(number)`:
    controller calls only (it runs in the page worker, `fetch`), returning a method call
    which fills the table with `show_rows(rows, info)` (or fills it itself and calls
    `page_loaded(info)`). A screen with a search field names it in SEARCH_ID: `/`
    (action `search`) focuses it; what is typed there becomes `self.search` once typing
    pauses for SEARCH_PAUSE (enter at once, and back to the table), and the list reloads
    from its first page. A search that finds nothing says "No match for …" in the page label.
    """

    TABLE_ID: ClassVar[str]
    PAGE_LABEL_ID: ClassVar[str]
    PAGE_GROUP: ClassVar[str]
    SEARCH_ID: ClassVar[str | None] = None
    # Each subclass defines it: read page `number` (controller calls only, in a worker),
    # returning what shows it.
    read_page: Callable[[int], Callable[[], None]]

    def fetch(self, number: int) -> Worker[None]:
        """Start the worker (in PAGE_GROUP, replacing one under way) that reads page `number` and shows it."""
        return self.run_worker(partial(self._read_and_show, number), name="fetch", group=self.PAGE_GROUP,
                               thread=True, exclusive=True, exit_on_error=False)

    def _read_and_show(self, number: int) -> None:
        deliver(self, self.read_page(number))

    def read_first(self) -> Callable[[], None]:
        return self.read_page(self.page_number)

    def load_first_page(self) -> None:
        """On mount: show the page read ahead by whoever opened the screen, or load it."""
        if not self.show_read_ahead():
            self.reload()

    def __init__(self) -> None:
        super().__init__()
        self.page_info: PageInfo | None = None
        self.page_number = 1
        self.search = ""
        self.rows: Sequence[RowT] = ()
        self._keep_cursor_on: int | None = None
        # End pressed on an earlier page: the last page is loading, its last row gets the cursor.
        self._cursor_to_last = False

    @property
    def table(self) -> DataTable[str]:
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    def reload(self) -> None:
        """Load the current page again (after a change or a new filter)."""
        # Said in the page label rather than with the table's `loading` spinner: a loading
        # widget cannot hold the focus, and the keys must stay on the table.
        self._page_label("Loading…")
        self.fetch(self.page_number)

    def first_page(self) -> None:
        """Load page 1 again: after a new search or filter."""
        self.page_number = 1
        self.reload()

    def keep_cursor_on(self, key: int) -> None:
        """After the next load, put the cursor on the row with this key (a row just created or changed)."""
        self._keep_cursor_on = key

    def show_rows(self, rows: Sequence[RowT], info: PageInfo) -> None:
        """Fill the table with a page of rows, keeping the cursor on the row it was on (or was asked to be on)."""
        selected = self._keep_cursor_on if self._keep_cursor_on is not None else self._selected_key()
        self._keep_cursor_on = None
        self.rows = rows
        fill_table(self.table, ((self.cell_texts(row), str(row.key)) for row in rows),
                   select=None if selected is None else str(selected))
        if self._cursor_to_last:
            self._cursor_to_last = False
            self.table.move_cursor(row=len(rows) - 1)
        self.page_loaded(info)

    def cell_texts(self, row: RowT) -> Sequence[Text]:
        """A row's cells as the table shows them; user text is never read as markup."""
        return [Text(cell) for cell in row.cells]

    @property
    def selected(self) -> RowT | None:
        """The row under the table's cursor."""
        return row_at_cursor(self.table, self.rows)

    def _selected_key(self) -> int | None:
        row = self.selected
        return row.key if row is not None else None

    @on(DataTable.RowHighlighted)
    def _row_changed(self) -> None:
        # What the keys may do depends on the row under the cursor.
        self.refresh_bindings()

    @on(FitTable.EdgeReached)
    def _to_first_or_last_page(self, event: FitTable.EdgeReached) -> None:
        """Home and End reach the first and last row of the whole list, not only of this page."""
        info = self.page_info
        if info is None or event.table is not self.table:
            return
        if event.last and info.number < info.pages:
            self._cursor_to_last = True
            self.page_number = info.pages
            self.reload()
        elif not event.last and info.number > 1:
            self.first_page()

    def open_filter(self, select_id: str) -> None:
        """Open the toolbar's dropdown `select_id`: every filter key does this (enter picks, escape keeps)."""
        select = self.query_one(f"#{select_id}", Select)
        select.focus()
        select.expanded = True
        if select.value is Select.NULL:
            # Textual highlights nothing when no value is chosen: the "all" line is the current one.
            select.query_one(SelectOverlay).highlighted = 0

    def action_search(self) -> None:
        if self.SEARCH_ID is not None:
            self.query_one(f"#{self.SEARCH_ID}", Input).focus()

    @on(Input.Changed)
    def _search_typed(self, event: Input.Changed) -> None:
        if self.SEARCH_ID is not None and event.input.id == self.SEARCH_ID:
            self._search_after_pause(event.value)

    @work(exclusive=True, exit_on_error=False, group="search-pause")
    async def _search_after_pause(self, typed: str) -> None:
        # Each key typed starts this again (exclusive), cancelling the wait of the one before.
        await asyncio.sleep(SEARCH_PAUSE)
        self._apply_search(typed)

    @on(Input.Submitted)
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self.SEARCH_ID is not None and event.input.id == self.SEARCH_ID:
            self.workers.cancel_group(self, "search-pause")
            self.table.focus()
            self._apply_search(event.value, again=True)

    def _apply_search(self, typed: str, again: bool = False) -> None:
        """Search for `typed` from the first page (unless it is the search shown and `again` is not asked)."""
        search = typed.strip()
        if search != self.search or again:
            self.search = search
            self.first_page()

    def page_loaded(self, info: PageInfo) -> None:
        self.page_info = info
        self.page_number = info.number
        self._page_label(self._label(info))
        self.refresh_bindings()

    def _label(self, info: PageInfo) -> str:
        return no_match(self.search) if info.total == 0 and self.search else info.label

    @on(Worker.StateChanged)
    def _settle_page_label(self) -> None:
        # A load that failed must not leave "Loading…" behind.
        if not any(w.is_running for w in self.app.workers if w.node is self and w.group == self.PAGE_GROUP):
            self._page_label(self._label(self.page_info) if self.page_info else "")

    def _page_label(self, text: str) -> None:
        self.query_one(f"#{self.PAGE_LABEL_ID}", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_filter":
            return isinstance(self.focused, (Input, Select))
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why the key bound to `action` does nothing now (tui/refusals.py); subclasses add their actions."""
        if action in ("next_page", "previous_page"):
            if self.page_info is None:
                return STILL_LOADING
            return self.page_info.next_refusal if action == "next_page" else self.page_info.previous_refusal
        return None

    def refusal_for_row(self, reason: Callable[[RowT], str | None] | None = None) -> str | None:
        """Why an action on the selected row cannot run: no row to act on, or what `reason(row)` says."""
        row = self.selected
        if row is None:
            return STILL_LOADING if self.page_info is None else self.page_info.nothing_here
        return reason(row) if reason is not None else None

    def action_next_page(self) -> None:
        self.page_number += 1
        self.reload()

    def action_previous_page(self) -> None:
        self.page_number = max(1, self.page_number - 1)
        self.reload()

    def action_leave_filter(self) -> None:
        self.table.focus()
