"""Badges (staff): the definitions with their rules; create or change one through a preview."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from tui.controllers.badges import COLUMNS, NO_BADGE, BadgeForm, BadgeRow, BadgesController, PreviewView
from tui.refusals import STILL_LOADING, GreysRefusedActions
from tui.screens.badge_form import BadgeFormDialog
from tui.screens.badge_preview import BadgePreviewDialog
from tui.screens.base import ShellScreen, deliver
from tui.text import notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter
from tui.widgets.tables import fill_table, row_at_cursor


class BadgesScreen(GreysRefusedActions, ShellScreen):
    """Every badge definition (a few dozen at most, so one table without pages)."""

    TITLE = "Badges"
    AUTO_FOCUS = "#badges-table"

    BINDINGS = [
        Binding("n", "new_badge", "New", id="badges-new"),
        Binding("e", "edit_badge", "Edit rule", id="badges-edit"),
    ]

    def __init__(self, controller: BadgesController) -> None:
        super().__init__()
        self.controller = controller
        self.rows: tuple[BadgeRow, ...] = ()
        self._loaded = False
        self._keep_cursor_on: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Changing a rule shows who gains or loses the badge before anything is saved.",
                     classes="hint", id="badges-hint", markup=False)
        yield FitTable(id="badges-table", flexible=("Badge", "Rule"))
        yield Static("", id="badges-detail", markup=False)
        yield ShellFooter()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#badges-table", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.table.focus()
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="badges-list")
    def reload(self) -> None:
        deliver(self, self.show_rows, self.controller.badges())

    def show_rows(self, rows: tuple[BadgeRow, ...]) -> None:
        keep = self._keep_cursor_on or (self.selected.code if self.selected else None)
        self.rows = rows
        self._loaded = True
        fill_table(self.table, [([Text(cell) for cell in row.cells], row.code) for row in rows], select=keep)
        self._keep_cursor_on = None
        self._show_detail()
        self.refresh_bindings()

    @property
    def selected(self) -> BadgeRow | None:
        return row_at_cursor(self.table, self.rows)

    @on(DataTable.RowHighlighted, "#badges-table")
    def _show_detail(self) -> None:
        row = self.selected
        self.query_one("#badges-detail", Static).update(row.detail if row else NO_BADGE)
        self.refresh_bindings()

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action == "edit_badge" and self.selected is None:
            return STILL_LOADING if not self._loaded else NO_BADGE
        return None

    # -- form → preview → apply --------------------------------------------------------------

    def action_new_badge(self) -> None:
        self._open_form(BadgeForm())

    def action_edit_badge(self) -> None:
        row = self.selected
        if row is not None:
            self.load_form(row.code)

    @work(thread=True, exclusive=True, exit_on_error=False, group="badges-form")
    def load_form(self, code: str) -> None:
        deliver(self, self._open_form, self.controller.form(code))

    def _open_form(self, form: BadgeForm) -> None:
        def previewed(result: tuple[BadgeForm, PreviewView] | None) -> None:
            if result is not None:
                self._confirm(*result)

        self.app.push_screen(BadgeFormDialog(self.controller, form), previewed)

    def _confirm(self, form: BadgeForm, preview: PreviewView) -> None:
        def answered(apply: bool | None) -> None:
            if apply:
                self.apply(form, preview.expected_version)
            elif apply is False:
                # Back to the form with what was typed, to change it.
                self._open_form(form)

        self.app.push_screen(BadgePreviewDialog(preview), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="badges-apply")
    def apply(self, form: BadgeForm, expected_version: int | None) -> None:
        deliver(self, self._applied, self.controller.apply(form, expected_version))

    def _applied(self, result: PreviewView) -> None:
        notify_literal(self, f"Saved {result.code}: {result.applied}", title="Badges")
        self._keep_cursor_on = result.code
        self.reload()
