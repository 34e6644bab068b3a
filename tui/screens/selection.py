"""Selecting rows and undoing the last change, for the list screens that have bulk actions (issue 14).

`space` toggles the row under the cursor, `ctrl+a` selects every row of the current filter (every
page: the service says how many), `escape` clears the selection; the status line above the footer
counts the selected rows and each selected row starts with a mark (✓) that needs no colour.
`u` takes back the change this screen made last, as its notification offers.

A screen mixes `SelectsRows` in before its base class, appends `selection_bindings(prefix)` to its
BINDINGS and yields `selection_status()` above its footer; it says which row is under the cursor
(`key_under_cursor`), how to draw the marks again (`redraw_marks`) and how to find every key of its
filter (`select_all_keys`, run in a worker).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import Static

from tui.controllers.bulk import (
    MARK,
    NOTHING_SELECTED,
    NOTHING_TO_UNDO,
    BatchReport,
    BulkController,
    RowSelection,
    SelectAll,
)
from tui.screens.base import deliver
from tui.text import notify_literal

if TYPE_CHECKING:
    from tui.refusals import GreysRefusedActions
    from tui.screens.base import ShellScreen
    from tui.screens.paged_list import PagedListScreen

    class _Screen(GreysRefusedActions, ShellScreen):
        """What the mixin is mixed into, as the type checker sees it."""

        def reload(self) -> None: ...

    _PagedScreen = PagedListScreen[Any]
else:
    _Screen = object
    _PagedScreen = object

SELECTION_ACTIONS = frozenset({"toggle_select", "select_all", "clear_selection", "undo_last"})
STATUS_ID = "selection-status"
# A report with refused rows stays up long enough to read them.
REPORT_SECONDS = 12


def selection_bindings(prefix: str) -> list[Binding]:
    """The selection keys of one screen (`prefix` keeps their ids apart from other screens')."""
    return [
        Binding("space", "toggle_select", "Select", key_display="space", show=False, id=f"{prefix}-select"),
        Binding("ctrl+a", "select_all", "Select all", show=False, id=f"{prefix}-select-all"),
        # escape clears a selection first; with none, it falls through to the shell's "back".
        Binding("escape", "clear_selection", "Clear selection", show=False, id=f"{prefix}-select-clear"),
        Binding("u", "undo_last", "Undo", show=False, id=f"{prefix}-undo"),
    ]


def selection_status() -> Static:
    """The status line that counts the selected rows (hidden while nothing is selected)."""
    return Static("", id=STATUS_ID, classes="selection-status", markup=False)


class SelectsRows(_Screen):
    """Mixin for a screen whose rows can be selected and acted on together, and whose last change `u` undoes."""

    # How the status line and the confirmations name one row ("workshop", "user", ...).
    SELECTION_NOUN: ClassVar[str] = "row"
    bulk: BulkController | None

    def init_selection(self, bulk: BulkController | None) -> None:
        self.bulk = bulk
        self._selection = RowSelection()
        # The batch `u` takes back: the last change made from this screen, until it is undone.
        self.undo_offer: str | None = None

    # -- what the screen says -----------------------------------------------------------------
    @property
    def selection(self) -> RowSelection:
        """The selection of the list shown (a screen with several lists keeps one per list)."""
        return self._selection

    # Each screen defines them: the row key under the cursor, redrawing the marks of the list
    # shown, the keys ctrl+a selects, and whether a list that can be selected from has the focus.
    key_under_cursor: Callable[[], int | None]
    redraw_marks: Callable[[], None]
    select_all_keys: Callable[[], SelectAll]
    selection_table_focused: Callable[[], bool]

    # -- keys -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in SELECTION_ACTIONS:
            return super().check_action(action, parameters)
        if self.bulk is None:
            return False
        if action in ("toggle_select", "select_all"):
            # A space typed in a search field is a space.
            return self.selection_table_focused() and (action == "select_all" or self.key_under_cursor() is not None)
        if action == "clear_selection":
            return bool(self.selection)
        return None if self.undo_offer is None else True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action == "undo_last" and self.undo_offer is None:
            return NOTHING_TO_UNDO
        return super().why_not(action, parameters)

    def action_toggle_select(self) -> None:
        key = self.key_under_cursor()
        if key is not None:
            self.selection.toggle(key)
            self.selection_changed()

    def action_clear_selection(self) -> None:
        self.selection.clear()
        self.selection_changed()

    @work(thread=True, exclusive=True, exit_on_error=False, group="select-all")
    def action_select_all(self) -> None:
        deliver(self, self._all_selected, self.select_all_keys())

    def _all_selected(self, found: SelectAll) -> None:
        self.selection.take_all(found.keys, found.matched)
        self.selection_changed()
        notify_literal(self, found.message, title="Selection")

    def selection_changed(self) -> None:
        """Draw the marks and the status line again, and re-check which keys apply."""
        self.redraw_marks()
        status = self.query_one(f"#{STATUS_ID}", Static)
        text = self.selection.status(self.SELECTION_NOUN)
        status.update(text)
        status.set_class(bool(text), "-shown")
        self.refresh_bindings()

    def selected_or_current(self) -> list[int]:
        """The selection, or else the row under the cursor alone."""
        if self.selection:
            return self.selection.keys
        key = self.key_under_cursor()
        return [key] if key is not None else []

    def require_selection(self) -> list[int] | None:
        keys = self.selection.keys
        if not keys:
            notify_literal(self, NOTHING_SELECTED, severity="warning")
            return None
        return keys

    # -- acting and undoing -------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="bulk-change")
    def run_batch(self, change: Any, title: str) -> None:
        """Run a bulk action (or an undo) in a worker, then report it and reload."""
        deliver(self, self.batch_done, change(), title)

    def batch_done(self, report: BatchReport, title: str) -> None:
        notify_literal(self, report.message, title=title, severity=report.severity,
                       timeout=REPORT_SECONDS if report.refused or report.batch_id else None)
        self.undo_offer = None if report.undo else report.batch_id
        self.selection.clear()
        self.selection_changed()
        self.reload()

    def offer_undo(self, batch_id: str | None) -> None:
        """After a single action: its batch is what `u` takes back now."""
        self.undo_offer = batch_id
        self.refresh_bindings()

    def action_undo_last(self) -> None:
        batch, bulk = self.undo_offer, self.bulk
        if batch is None or bulk is None:
            return
        self.undo_offer = None
        self.run_batch(lambda: bulk.undo(batch), "Undo")


class SelectsPagedRows(SelectsRows, _PagedScreen):
    """`SelectsRows` for a `PagedListScreen`: rows are keyed by `row.key`, marked in their first cell,
    and a new search or filter lets the selection go (it selected rows of another list)."""

    def key_under_cursor(self) -> int | None:
        row = self.selected
        return row.key if row is not None else None

    def selection_table_focused(self) -> bool:
        return self.focused is self.table

    def redraw_marks(self) -> None:
        if self.page_info is not None:
            self.show_rows(self.rows, self.page_info)

    def cell_texts(self, row: Any) -> list[Text]:
        cells = [Text(cell) for cell in row.cells]
        if row.key in self.selection:
            cells[0] = Text(MARK) + cells[0]
        return cells

    def first_page(self) -> None:
        if self.selection:
            self.selection.clear()
            self.selection_changed()
        super().first_page()
