"""The shared shape of list screens: one DataTable filled a page at a time by a controller."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker

from tui.controllers.paging import PageInfo
from tui.screens.base import ShellScreen

PAGES = Binding.Group("Page", compact=True)

# Appended to a list screen's own BINDINGS, so its own keys come first in the footer.
PAGE_BINDINGS = [
    Binding("left_square_bracket", "previous_page", "Previous page", key_display="[", id="previous-page",
            group=PAGES),
    Binding("right_square_bracket", "next_page", "Next page", key_display="]", id="next-page", group=PAGES),
    # escape in a filter field leaves the field; elsewhere it falls through to the shell's "back".
    Binding("escape", "leave_filter", "Leave the filter", show=False),
]


class PagedListScreen(ShellScreen):
    """Paging keys, the "page 2 of 40" label and the loading spinner of a list screen.

    Subclasses name their table and page label, and implement `fetch(number)` as a
    thread worker in the group PAGE_GROUP that ends by delivering to a method which
    fills the table and calls `page_loaded(info)`.
    """

    TABLE_ID: ClassVar[str]
    PAGE_LABEL_ID: ClassVar[str]
    PAGE_GROUP: ClassVar[str]
    # Each subclass defines it: start the worker that loads page `number`.
    fetch: Callable[[int], object]

    def __init__(self) -> None:
        super().__init__()
        self.page_info: PageInfo | None = None
        self.page_number = 1

    @property
    def table(self) -> DataTable[str]:
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    def reload(self) -> None:
        """Load the current page again (after a change or a new filter)."""
        # Said in the page label rather than with the table's `loading` spinner: a loading
        # widget cannot hold the focus, and the keys must stay on the table.
        self._page_label("Loading…")
        self.fetch(self.page_number)

    def page_loaded(self, info: PageInfo) -> None:
        self.page_info = info
        self.page_number = info.number
        self._page_label(info.label)
        self.refresh_bindings()

    @on(Worker.StateChanged)
    def _settle_page_label(self) -> None:
        # A load that failed must not leave "Loading…" behind.
        if not any(w.is_running for w in self.app.workers if w.node is self and w.group == self.PAGE_GROUP):
            self._page_label(self.page_info.label if self.page_info else "")

    def _page_label(self, text: str) -> None:
        self.query_one(f"#{self.PAGE_LABEL_ID}", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_page":
            return (self.page_info is not None and self.page_info.has_next) or None
        if action == "previous_page":
            return (self.page_info is not None and self.page_info.has_previous) or None
        if action == "leave_filter":
            return isinstance(self.focused, Input)
        return True

    def action_next_page(self) -> None:
        self.page_number += 1
        self.reload()

    def action_previous_page(self) -> None:
        self.page_number = max(1, self.page_number - 1)
        self.reload()

    def action_leave_filter(self) -> None:
        self.table.focus()
