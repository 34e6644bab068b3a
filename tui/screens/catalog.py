"""Workshops for learners: the upcoming ones with seats left, and their own registrations (`o`).

A learner registers or joins the waitlist (`r`, in either list: a registration they
cancelled can be taken again) and cancels their own registration (`c`); nothing here ever
shows another learner.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Static

from tui.controllers.catalog import (
    CATALOG_COLUMNS,
    MINE_COLUMNS,
    MINE_HAS_NO_FILTER,
    CatalogController,
    CatalogPage,
    CatalogRow,
    MyRegistrationRow,
)
from tui.controllers.registrations import Outcome
from tui.screens.base import deliver
from tui.screens.paged_list import PAGE_BINDINGS, PagedListScreen
from tui.screens.workshop_detail import WorkshopDetailScreen, confirm_cancel
from tui.text import notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter


class CatalogScreen(PagedListScreen[CatalogRow | MyRegistrationRow]):
    """The learner's workshops: the catalog, or (after `o`) their own registrations."""

    TITLE = "Workshops"
    TABLE_ID = "catalog-table"
    PAGE_LABEL_ID = "catalog-page"
    AUTO_FOCUS = "#catalog-table"
    PAGE_GROUP = "catalog-page"
    SEARCH_ID = "catalog-search"

    BINDINGS = [
        # enter on a row opens it too (the table's own key, which hides a screen binding on enter
        # from the footer): `i` is the one the footer and help show.
        Binding("i", "details", "Details", id="catalog-details"),
        Binding("r", "register", "Register", id="catalog-register"),
        Binding("c", "cancel_registration", "Cancel", id="catalog-cancel"),
        # One key, two meanings: the footer names the list `o` leads to.
        Binding("o", "show_mine(True)", "Mine", id="catalog-mine"),
        Binding("o", "show_mine(False)", "Upcoming", id="catalog-upcoming"),
        Binding("f", "toggle_free", "Free seats only", id="catalog-free"),
        Binding("slash", "search", "Search", id="catalog-search"),
        *PAGE_BINDINGS,
    ]

    def __init__(self, controller: CatalogController) -> None:
        super().__init__()
        self.controller = controller
        self.showing_mine = False
        self.only_free = False
        # A workshop's detail was opened: what was done there shows here once back.
        self._left_for_detail = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="list-toolbar"):
            yield Static("Upcoming", id="catalog-mode", classes="list-mode", markup=False)
            yield Input(id="catalog-search", placeholder="/ title or trainer", compact=True)
            yield Static("", id="catalog-page", classes="list-page", markup=False)
        yield FitTable(id="catalog-table", flexible=("Trainer", "Title"), full_row=False)
        yield Static("", id="catalog-empty", classes="empty-state", markup=False)
        yield ShellFooter()

    def on_mount(self) -> None:
        self.table.add_columns(*CATALOG_COLUMNS)
        self.table.focus()
        self.load_first_page()

    # -- loading ---------------------------------------------------------------------------

    def read_page(self, number: int) -> Callable[[], None]:
        if self.showing_mine:
            view = self.controller.mine(number)
        else:
            view = self.controller.catalog(number, self.search, self.only_free)
        return partial(self.show_page, view)

    def show_page(self, view: CatalogPage) -> None:
        if view.mine != self._shows_mine_columns:
            self.table.clear(columns=True)
            self.table.add_columns(*(MINE_COLUMNS if view.mine else CATALOG_COLUMNS))
        self.show_rows(view.rows, view.info)
        self.query_one("#catalog-empty", Static).update(Text(view.empty_message))
        self.set_class(not view.rows, "-empty")

    @property
    def _shows_mine_columns(self) -> bool:
        return [str(c.label) for c in self.table.columns.values()] == list(MINE_COLUMNS)

    # -- one workshop in full ------------------------------------------------------------------

    @on(DataTable.RowSelected, "#catalog-table")
    def _row_chosen(self) -> None:
        self.action_details()

    def action_details(self) -> None:
        row = self.selected
        if row is not None:
            self._left_for_detail = True
            self.app.push_screen(WorkshopDetailScreen(self.controller, row.workshop_id))

    def on_screen_resume(self) -> None:
        if self._left_for_detail:
            self._left_for_detail = False
            self.reload()

    # -- what the keys may do -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_mine":
            return parameters[0] != self.showing_mine
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action == "details":
            return self.refusal_for_row()
        if action == "register":
            return self.refusal_for_row(lambda row: row.register_refusal)
        if action == "cancel_registration":
            return self.refusal_for_row(lambda row: row.cancel_refusal)
        if action in ("toggle_free", "search") and self.showing_mine:
            return MINE_HAS_NO_FILTER
        return super().why_not(action, parameters)

    # -- modes, search, filter ---------------------------------------------------------------

    def action_show_mine(self, mine: bool) -> None:
        self.showing_mine = mine
        self.query_one("#catalog-mode", Static).update("Mine" if self.showing_mine else self._mode_label())
        # Searching is for the catalog; the field stays in place (greyed) to keep the toolbar still.
        self.query_one("#catalog-search", Input).disabled = self.showing_mine
        self.table.focus()
        self.first_page()
        self.refresh_bindings()

    def action_toggle_free(self) -> None:
        self.only_free = not self.only_free
        self.query_one("#catalog-mode", Static).update(self._mode_label())
        self.first_page()

    def _mode_label(self) -> str:
        return "Free seats" if self.only_free else "Upcoming"

    # -- changes -----------------------------------------------------------------------------

    def action_register(self) -> None:
        row = self.selected
        if row is not None and row.can_register:
            self.apply_change(lambda: self.controller.register(row.workshop_id))

    def action_cancel_registration(self) -> None:
        row = self.selected
        if row is None or not row.can_cancel:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.apply_change(lambda: self.controller.cancel(row.workshop_id))

        self.app.push_screen(confirm_cancel(row.title), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="catalog-change")
    def apply_change(self, change: Callable[[], Outcome]) -> None:
        deliver(self, self._changed, change())

    def _changed(self, outcome: Outcome) -> None:
        notify_literal(self, outcome.message, title="Workshops",
                       severity="information" if outcome.synced else "warning")
        self.reload()
