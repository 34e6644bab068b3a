"""Workshops for trainers and admins: a page of 50, filters, search, sort, and every change.

A trainer sees every workshop but changes (and opens the registrations of) only the ones
they run: the keys are greyed for the others, and the services refuse anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Select, Static

from domain.models.workshops import WorkshopScope, WorkshopSort
from tui.controllers.bulk import UNDO_HINT, BulkController, SelectAll, rows_word
from tui.controllers.choices import Choice, chosen_id
from tui.controllers.registrations import RegistrationsController
from tui.controllers.workshops import (
    COLUMNS,
    SCOPE_LABELS,
    SORT_LABELS,
    WorkshopForm,
    WorkshopRow,
    WorkshopSaved,
    WorkshopsController,
    WorkshopsPage,
)
from tui.screens.base import deliver
from tui.screens.confirm import ConfirmDialog
from tui.screens.paged_list import PAGE_BINDINGS, PagedListScreen
from tui.screens.picker import PickerDialog
from tui.screens.reason import ReasonDialog
from tui.screens.registrations import RegistrationsScreen
from tui.screens.selection import SelectsPagedRows, selection_bindings, selection_status
from tui.screens.workshop_form import WorkshopFormDialog
from tui.text import literal_options, notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter

RegistrationsFor = Callable[[int], RegistrationsController]


class WorkshopsScreen(SelectsPagedRows, PagedListScreen[WorkshopRow]):
    """The staff workshop table; every change goes through the controller, then the page reloads."""

    TITLE = "Workshops"
    TABLE_ID = "workshops-table"
    PAGE_LABEL_ID = "workshops-page"
    AUTO_FOCUS = "#workshops-table"
    PAGE_GROUP = "workshops-page"
    SEARCH_ID = "workshops-search"
    SELECTION_NOUN = "workshop"

    BINDINGS = [
        Binding("n", "new_workshop", "New", id="workshops-new"),
        Binding("e", "edit_workshop", "Edit", id="workshops-edit"),
        Binding("x", "cancel_workshop", "Cancel", id="workshops-cancel"),
        Binding("delete", "delete_workshop", "Delete", key_display="del", id="workshops-delete"),
        # A priority binding so the footer shows it over the table's own (hidden) enter; it
        # steps aside (check_action False) when the search field or a picker has the focus.
        Binding("enter", "open_registrations", "Open", key_display="⏎", priority=True,
                id="workshops-open"),
        Binding("slash", "search", "Search", id="workshops-search"),
        Binding("f", "choose_scope", "Filter", id="workshops-filter"),
        Binding("o", "choose_sort", "Sort", id="workshops-sort"),
        *PAGE_BINDINGS,
        # -- bulk selection and undo (issue 14): x acts on the selection when there is one --
        Binding("t", "change_trainer", "Trainer", show=False, id="workshops-trainer"),
        *selection_bindings("workshops"),
    ]

    def __init__(self, controller: WorkshopsController, registrations: RegistrationsFor,
                 bulk: BulkController | None = None) -> None:
        super().__init__()
        self.init_selection(bulk)
        self.controller = controller
        self.registrations = registrations
        self.scope = WorkshopScope.UPCOMING
        self.sort = WorkshopSort.DATE
        self._reload_when_back = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="list-toolbar"):
            yield Input(id="workshops-search", placeholder="/ title or trainer", compact=True)
            yield Select(literal_options((label, scope) for scope, label in SCOPE_LABELS.items()),
                         value=self.scope, allow_blank=False, id="workshops-scope", compact=True)
            yield Select(literal_options((label, sort) for sort, label in SORT_LABELS.items()),
                         value=self.sort, allow_blank=False, id="workshops-sort", compact=True)
            yield Static("", id="workshops-page", classes="list-page", markup=False)
        yield FitTable(id="workshops-table", flexible=("Trainer", "Title"))
        yield Static("", id="workshops-empty", classes="empty-state", markup=False)
        yield selection_status()
        yield ShellFooter()

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.table.focus()
        self.load_first_page()

    def on_screen_resume(self) -> None:
        # Back from a workshop's registrations: its seat counts may have changed.
        if self._reload_when_back:
            self._reload_when_back = False
            self.reload()

    # -- loading ---------------------------------------------------------------------------

    def read_page(self, number: int) -> Callable[[], None]:
        return partial(self.show_page, self.controller.page(number, self.scope, self.search, self.sort))

    def show_page(self, view: WorkshopsPage) -> None:
        self.show_rows(view.rows, view.info)
        self.query_one("#workshops-empty", Static).update(Text(view.empty_message))
        self.set_class(not view.rows, "-empty")

    # -- what the keys may do -------------------------------------------------------------------

    @on(DataTable.RowSelected, "#workshops-table")
    def _row_chosen(self) -> None:
        # enter on the table: the table's own binding turns it into RowSelected. When Open
        # is greyed the shell has already said why (tui/refusals.py).
        if self.check_action("open_registrations", ()):
            self.action_open_registrations()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_registrations" and self.focused is not self.table:
            return False
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        refusals: dict[str, Callable[[WorkshopRow], str | None]] = {
            "edit_workshop": lambda row: row.edit_refusal,
            "cancel_workshop": lambda row: row.cancel_refusal,
            "delete_workshop": lambda row: row.delete_refusal,
            "open_registrations": lambda row: row.open_refusal,
        }
        if action in refusals:
            return self.refusal_for_row(refusals[action])
        return super().why_not(action, parameters)

    # -- search, filter, sort --------------------------------------------------------------------

    def action_choose_scope(self) -> None:
        self.open_filter("workshops-scope")

    def action_choose_sort(self) -> None:
        self.open_filter("workshops-sort")

    @on(Select.Changed, "#workshops-scope")
    def _scope_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, WorkshopScope) and event.value is not self.scope:
            self.scope = event.value
            self._refilter()

    @on(Select.Changed, "#workshops-sort")
    def _sort_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, WorkshopSort) and event.value is not self.sort:
            self.sort = event.value
            self._refilter()

    def _refilter(self) -> None:
        self.table.focus()
        self.first_page()

    # -- changes -----------------------------------------------------------------------------

    def action_new_workshop(self) -> None:
        self.open_form(None)

    def action_edit_workshop(self) -> None:
        row = self.selected
        if row is not None:
            self.open_form(row.workshop_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="workshops-form")
    def open_form(self, workshop_id: int | None) -> None:
        deliver(self, self._show_form, self.controller.form(workshop_id))

    def _show_form(self, form: WorkshopForm) -> None:
        def saved(result: WorkshopSaved | None) -> None:
            if result is not None:
                self._report(result)

        self.app.push_screen(WorkshopFormDialog(self.controller, form), saved)

    def action_cancel_workshop(self) -> None:
        if self.selection:
            self.cancel_selected()
            return
        row = self.selected
        if row is None:
            return
        waiting = f" and {row.waitlisted} waiting" if row.waitlisted else ""
        explanation = (f"{row.label} will be cancelled. Its {row.seats_taken} confirmed learners{waiting} "
                       "lose their registration, with this reason.")

        def reason_given(reason: str | None) -> None:
            if not reason:
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    self.apply_change(lambda: self.controller.cancel(row.workshop_id, reason), undoable=True)

            question = f"Cancel {row.label}? Reason: {reason}"
            self.app.push_screen(ConfirmDialog("Cancel workshop", question, "Cancel it"), answered)

        self.app.push_screen(ReasonDialog("Cancel workshop", explanation, required=True), reason_given)

    def action_delete_workshop(self) -> None:
        row = self.selected
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete(row)

        question = f"Delete {row.label}? Nobody ever registered to it; it disappears from every list."
        self.app.push_screen(ConfirmDialog("Delete workshop", question, "Delete"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="workshops-change")
    def delete(self, row: WorkshopRow) -> None:
        self.controller.delete(row.workshop_id)
        deliver(self, self._deleted, row)

    def _deleted(self, row: WorkshopRow) -> None:
        notify_literal(self, f"Deleted {row.label}.", title="Workshop deleted")
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="workshops-change")
    def apply_change(self, change: Callable[[], WorkshopSaved], undoable: bool = False) -> None:
        saved = change()
        batch = self.bulk.latest_batch() if undoable and self.bulk is not None else None
        deliver(self, self._report, saved, batch)

    def _report(self, result: WorkshopSaved, batch: str | None = None) -> None:
        # The MongoDB side may lag (outage): the message says so, and it is a warning then.
        message = f"{result.message}\n{UNDO_HINT}" if batch else result.message
        notify_literal(self, message, title="Workshops",
                       severity="information" if result.synced else "warning")
        self.offer_undo(batch)
        self.keep_cursor_on(result.row.workshop_id)
        self.reload()

    def action_open_registrations(self) -> None:
        row = self.selected
        if row is None:
            return
        self._reload_when_back = True
        self.open_registrations(RegistrationsScreen(self.registrations(row.workshop_id), bulk=self.bulk))

    @work(thread=True, exclusive=True, exit_on_error=False, group="workshops-open")
    def open_registrations(self, screen: RegistrationsScreen) -> None:
        # The sheet is read before its screen is shown, so that it is painted once, filled.
        screen.read_ahead()
        deliver(self, self.app.push_screen, screen)

    # -- bulk selection and undo (issue 14) ----------------------------------------------------

    def select_all_keys(self) -> SelectAll:
        assert self.bulk is not None
        return self.bulk.all_workshops(self.scope, self.search, self.sort)

    def cancel_selected(self) -> None:
        bulk, keys = self.bulk, self.selection.keys
        if bulk is None or not keys:
            return
        count = rows_word(len(keys), "workshop")
        explanation = (f"{count} will be cancelled, and every registration in them, with this reason. "
                       "Workshops you may not cancel are left as they are and listed.")

        def reason_given(reason: str | None) -> None:
            if not reason:
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run_batch(lambda: bulk.cancel_workshops(keys, reason), "Workshops")

            question = f"Cancel {count} and all their registrations? Reason: {reason}"
            self.app.push_screen(ConfirmDialog("Cancel workshops", question, "Cancel them"), answered)

        self.app.push_screen(ReasonDialog("Cancel workshops", explanation, required=True), reason_given)

    def action_change_trainer(self) -> None:
        bulk, keys = self.bulk, self.selected_or_current()
        if bulk is None or not keys:
            return
        count = rows_word(len(keys), "workshop")

        def chosen(choice: Choice | None) -> None:
            if choice is None:
                return
            trainer_id = chosen_id(choice.value, "trainer_id", "Pick a trainer.")

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run_batch(lambda: bulk.change_trainer(keys, trainer_id), "Workshops")

            question = f"Hand {count} over to {choice.label}? They will run them from now on."
            self.app.push_screen(ConfirmDialog("Change trainer", question, "Hand over"), answered)

        self.app.push_screen(PickerDialog(f"New trainer for {count}", "Active trainers and admins",
                                          bulk.trainer_choices, "No active trainer matches."), chosen)
