"""Activity log (admins): newest first, 50 a page, filtered by actor (part of a name or an email) or action."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Select, Static

from tui.controllers.activity import COLUMNS, NO_FILTER, ActivityController, ActivityPage
from tui.screens.base import deliver
from tui.screens.paged_list import PAGE_BINDINGS, PagedListScreen
from tui.text import literal_options
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter
from tui.widgets.tables import fill_table


class ActivityScreen(PagedListScreen):
    """Who changed what and when, read from MongoDB's `activity_logs`."""

    TITLE = "Activity log"
    TABLE_ID = "activity-table"
    PAGE_LABEL_ID = "activity-page"
    AUTO_FOCUS = "#activity-table"
    PAGE_GROUP = "activity-page"
    # The actor filter is the list's search: part of a name or an email, applied as it is typed.
    SEARCH_ID = "activity-actor-filter"

    BINDINGS = [
        Binding("slash", "filter_actor", "Actor", id="activity-actor"),
        Binding("f", "filter_action", "Action", id="activity-action"),
        Binding("c", "clear_filters", "Clear", id="activity-clear"),
        *PAGE_BINDINGS,
    ]

    def __init__(self, controller: ActivityController) -> None:
        super().__init__()
        self.controller = controller
        self.action = ""
        self.view: ActivityPage | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="list-toolbar"):
            yield Input(id="activity-actor-filter", placeholder="/ actor name or email", compact=True)
            yield Select[str]([], prompt="f: all actions", id="activity-action-filter", compact=True)
            yield Static("", id="activity-page", classes="list-page", markup=False)
        yield FitTable(id="activity-table", flexible=("Actor", "Entity", "Details"))
        yield Static("", id="activity-detail", markup=False)
        yield ShellFooter()

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.table.focus()
        self.load_actions()
        self.reload()

    # -- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="activity-page")
    def fetch(self, number: int) -> None:
        deliver(self, self.show_page, self.controller.page(number, self.search, self.action))

    @work(thread=True, exclusive=True, exit_on_error=False, group="activity-actions")
    def load_actions(self) -> None:
        deliver(self, self.show_actions, self.controller.actions())

    def show_actions(self, actions: tuple[str, ...]) -> None:
        self.query_one("#activity-action-filter", Select).set_options(literal_options((name, name) for name in actions))

    def show_page(self, view: ActivityPage) -> None:
        self.view = view
        fill_table(self.table, [([Text(cell) for cell in cells], None) for cells in view.rows])
        self.page_loaded(view.info)
        self._show_detail()

    @on(DataTable.RowHighlighted, "#activity-table")
    def _show_detail(self) -> None:
        """The highlighted entry in full under the table: who, what, on what, then its details, wrapped."""
        view, index = self.view, self.table.cursor_row
        text = ""
        if view is not None and 0 <= index < len(view.details):
            _, actor, action, entity, _ = view.rows[index]
            text = f"{actor} · {action} · {entity}\n{view.details[index]}"
        self.query_one("#activity-detail", Static).update(text)

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action == "clear_filters" and not (self.search or self.action):
            return NO_FILTER
        return super().why_not(action, parameters)

    # -- filters and pages -----------------------------------------------------------------

    def action_filter_actor(self) -> None:
        self.action_search()

    def action_filter_action(self) -> None:
        self.open_filter("activity-action-filter")

    def action_clear_filters(self) -> None:
        self.query_one("#activity-actor-filter", Input).value = ""
        self.query_one("#activity-action-filter", Select).clear()
        self.search = self.action = ""
        self.first_page()

    @on(Select.Changed, "#activity-action-filter")
    def _action_chosen(self, event: Select.Changed) -> None:
        action = "" if event.value is Select.NULL else str(event.value)
        if action != self.action:
            self.table.focus()
            self.action = action
            self.first_page()
