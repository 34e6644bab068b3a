"""Challenges (staff): the catalogue a page at a time, filters, create, edit, activate/deactivate."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Header, Input, Select, Static

from tui.controllers.challenges import (
    ACTIVE_CHOICES,
    CATEGORY_CHOICES,
    COLUMNS,
    ChallengeForm,
    ChallengeRow,
    ChallengesController,
    ChallengesPage,
)
from tui.screens.base import deliver
from tui.screens.challenge_form import ChallengeFormDialog
from tui.screens.paged_list import PAGE_BINDINGS, PagedListScreen
from tui.text import literal_options, notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter

NUMERIC_COLUMNS = {2, 4}


class ChallengesScreen(PagedListScreen[ChallengeRow]):
    """The challenge table; every change goes through the controller, then the page reloads."""

    TITLE = "Challenges"
    TABLE_ID = "challenges-table"
    PAGE_LABEL_ID = "challenges-page"
    PAGE_GROUP = "challenges-page"
    SEARCH_ID = "challenges-search"
    AUTO_FOCUS = "#challenges-table"

    BINDINGS = [
        Binding("n", "new_challenge", "New", id="challenges-new"),
        Binding("e", "edit_challenge", "Edit", id="challenges-edit"),
        Binding("t", "toggle_active", "Active on/off", id="challenges-toggle"),
        Binding("slash", "search", "Search", id="challenges-search"),
        *PAGE_BINDINGS,
    ]

    def __init__(self, controller: ChallengesController) -> None:
        super().__init__()
        self.controller = controller
        self.category = ""
        self.active = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="list-toolbar"):
            yield Input(id="challenges-search", placeholder="/ search title", compact=True)
            yield Select[str](literal_options((c.label, c.value) for c in CATEGORY_CHOICES),
                              prompt="all categories", id="challenges-category", compact=True)
            yield Select[str](literal_options((c.label, c.value) for c in ACTIVE_CHOICES),
                              prompt="active or not", id="challenges-active", compact=True)
            yield Static("", id="challenges-page", classes="list-page", markup=False)
        yield FitTable(id="challenges-table", flexible=("Title", "Category"))
        yield ShellFooter()

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.table.focus()
        self.load_first_page()

    # -- loading ---------------------------------------------------------------------------

    def read_page(self, number: int) -> Callable[[], None]:
        return partial(self.show_page, self.controller.page(number, self.search, self.category, self.active))

    def show_page(self, view: ChallengesPage) -> None:
        self.show_rows(view.rows, view.info)

    def cell_texts(self, row: ChallengeRow) -> list[Text]:
        return [Text(cell, justify="right" if i in NUMERIC_COLUMNS else "left") for i, cell in enumerate(row.cells)]

    # -- what the keys may do, filters ---------------------------------------------------------

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action in ("edit_challenge", "toggle_active"):
            return self.refusal_for_row()
        return super().why_not(action, parameters)

    @on(Select.Changed, "#challenges-category")
    def _apply_category(self, event: Select.Changed) -> None:
        self.category = "" if event.value is Select.NULL else str(event.value)
        self.first_page()

    @on(Select.Changed, "#challenges-active")
    def _apply_active(self, event: Select.Changed) -> None:
        self.active = "" if event.value is Select.NULL else str(event.value)
        self.first_page()

    # -- changes -----------------------------------------------------------------------------

    def action_new_challenge(self) -> None:
        self._open_form(None, ChallengeForm())

    def action_edit_challenge(self) -> None:
        row = self.selected
        if row is not None:
            self.load_form(row.challenge_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="challenges-form")
    def load_form(self, challenge_id: int) -> None:
        deliver(self, self._open_form, challenge_id, self.controller.form(challenge_id))

    def _open_form(self, challenge_id: int | None, form: ChallengeForm) -> None:
        def saved(row: ChallengeRow | None) -> None:
            if row is not None:
                verb = "Created" if challenge_id is None else "Saved"
                notify_literal(self, f"{verb} “{row.title}”.", title="Challenges")
                self.keep_cursor_on(row.challenge_id)
                self.reload()

        self.app.push_screen(ChallengeFormDialog(self.controller, challenge_id, form), saved)

    def action_toggle_active(self) -> None:
        row = self.selected
        if row is not None:
            self.toggle(row.challenge_id, not row.active)

    @work(thread=True, exclusive=True, exit_on_error=False, group="challenges-change")
    def toggle(self, challenge_id: int, active: bool) -> None:
        deliver(self, self._toggled, self.controller.set_active(challenge_id, active))

    def _toggled(self, row: ChallengeRow) -> None:
        state = "active: learners can take it" if row.active else "inactive: learners no longer see it"
        notify_literal(self, f"“{row.title}” is {state}.", title="Challenges")
        self.keep_cursor_on(row.challenge_id)
        self.reload()
