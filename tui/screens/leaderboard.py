"""Leaderboard: learners ranked by global score, filtered by category and period, names hideable.

A learner's own line stays pinned under the table whatever the page, so their rank is
always in view.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Header, Select, Static

from domain.models.scores import Period
from domain.services.leaderboard import HIDDEN_NAME
from tui.controllers.leaderboard import (
    CATEGORY_CHOICES,
    COLUMNS,
    PERIOD_CHOICES,
    TIES_LINE,
    LeaderboardController,
    LeaderboardView,
    RankLine,
)
from tui.refusals import STILL_LOADING
from tui.screens.base import deliver
from tui.screens.paged_list import PAGE_BINDINGS, PagedListScreen
from tui.text import literal_options, notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter

NUMERIC_COLUMNS = {0, 2, 4}


class LeaderboardScreen(PagedListScreen[RankLine]):
    """The ranking a page at a time; `h` hides other learners' names, `m` (learners) hides one's own from
    them: both are remembered."""

    TITLE = "Leaderboard"
    TABLE_ID = "leaderboard-table"
    PAGE_LABEL_ID = "leaderboard-page"
    PAGE_GROUP = "leaderboard-page"
    AUTO_FOCUS = "#leaderboard-table"

    # `h` says what it will do: one of the two is shown, depending on the current setting.
    BINDINGS = [
        Binding("h", "hide_names(True)", "Hide names", id="leaderboard-hide"),
        Binding("h", "hide_names(False)", "Show names", id="leaderboard-show"),
        Binding("m", "hide_my_name(True)", "Hide my name", id="leaderboard-hide-mine"),
        Binding("m", "hide_my_name(False)", "Show my name", id="leaderboard-show-mine"),
        Binding("c", "choose_category", "Category", id="leaderboard-category"),
        Binding("p", "choose_period", "Period", id="leaderboard-period"),
        *PAGE_BINDINGS,
    ]

    def __init__(self, controller: LeaderboardController) -> None:
        super().__init__()
        self.controller = controller
        self.view: LeaderboardView | None = None
        self.category = ""
        self.period = Period.ALL_TIME.value

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="list-toolbar"):
            yield Select[str](literal_options((c.label, c.value) for c in CATEGORY_CHOICES),
                              prompt="c: all categories", id="leaderboard-category-filter", compact=True)
            yield Select[str](literal_options((c.label, c.value) for c in PERIOD_CHOICES), value=self.period,
                              allow_blank=False, id="leaderboard-period-filter", compact=True)
            yield Static("", id="leaderboard-page", classes="list-page", markup=False)
        yield FitTable(id="leaderboard-table", flexible=("Learner",))
        yield Static("", id="leaderboard-you", markup=False)
        yield Static(TIES_LINE, id="leaderboard-ties", markup=False)
        yield ShellFooter()

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.table.focus()
        self.load_first_page()

    # -- loading ---------------------------------------------------------------------------

    def read_page(self, number: int) -> Callable[[], None]:
        return partial(self.show_page, self.controller.page(number, self.category, self.period))

    def show_page(self, view: LeaderboardView) -> None:
        self.view = view
        self.show_rows(view.rows, view.info)
        self.query_one("#leaderboard-you", Static).update(view.viewer_line)

    def cell_texts(self, row: RankLine) -> tuple[Text, ...]:
        # The viewer's own row stands out even without colour: bold, and "(you)" after the name.
        style = "bold" if row.is_viewer else ""
        return tuple(Text(cell, style=style, justify="right" if i in NUMERIC_COLUMNS else "left")
                     for i, cell in enumerate(row.cells))

    # -- filters and privacy -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_names":
            if self.view is None:
                # Until the first page says what is stored, "Hide names" is shown, greyed.
                return None if parameters == (True,) else False
            return parameters == (not self.view.hide_names,)
        if action == "hide_my_name":
            if self.view is None:
                return False
            return self.view.can_hide_my_name and parameters == (not self.view.hide_my_name,)
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action == "hide_names" and self.view is None:
            return STILL_LOADING
        return super().why_not(action, parameters)

    def action_hide_names(self, hide: bool) -> None:
        self.remember_hide_names(hide)

    @work(thread=True, exclusive=True, exit_on_error=False, group="leaderboard-privacy")
    def remember_hide_names(self, hide: bool) -> None:
        deliver(self, self._privacy_changed, self.controller.set_hide_names(hide))

    def _privacy_changed(self, hidden: bool) -> None:
        said = "hidden" if hidden else "shown"
        notify_literal(self, f"Other learners' names are {said}; SkillHub remembers it for you.", title="Leaderboard")
        self.reload()

    def action_hide_my_name(self, hide: bool) -> None:
        self.remember_hide_my_name(hide)

    @work(thread=True, exclusive=True, exit_on_error=False, group="leaderboard-privacy")
    def remember_hide_my_name(self, hide: bool) -> None:
        deliver(self, self._own_name_changed, self.controller.set_hide_my_name(hide))

    def _own_name_changed(self, hidden: bool) -> None:
        said = f"Other learners see you as “{HIDDEN_NAME}”" if hidden else "Other learners see your name"
        notify_literal(self, f"{said}; SkillHub remembers it for you.", title="Leaderboard")
        self.reload()

    def action_choose_category(self) -> None:
        self.open_filter("leaderboard-category-filter")

    def action_choose_period(self) -> None:
        self.open_filter("leaderboard-period-filter")

    @on(Select.Changed, "#leaderboard-category-filter")
    def _category_changed(self, event: Select.Changed) -> None:
        value = "" if event.value is Select.NULL else str(event.value)
        if value != self.category:
            self.category = value
            self.table.focus()
            self.first_page()

    @on(Select.Changed, "#leaderboard-period-filter")
    def _period_changed(self, event: Select.Changed) -> None:
        value = str(event.value)
        if event.value is not Select.NULL and value != self.period:
            self.period = value
            self.table.focus()
            self.first_page()


