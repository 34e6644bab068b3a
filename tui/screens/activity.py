"""Activity log (admins): newest first, 50 a page, filtered by actor (part of a name or an email) or action."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Select, Static

from tui.controllers.activity import COLUMNS, NO_FILTER, ActivityController, ActivityLine, ActivityPage
from tui.controllers.bulk import BatchReport, BulkController
from tui.screens.base import deliver
from tui.screens.confirm import ConfirmDialog
from tui.screens.paged_list import PAGE_BINDINGS, PagedListScreen
from tui.screens.selection import REPORT_SECONDS
from tui.text import literal_options, notify_literal
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
        # -- batches and undo (issue 14): enter opens a batch to its rows, u undoes a batch or a row --
        Binding("u", "undo_entry", "Undo", show=False, id="activity-undo"),
    ]

    def __init__(self, controller: ActivityController, bulk: BulkController | None = None) -> None:
        super().__init__()
        self.controller = controller
        self.bulk = bulk
        # The batches shown open (their rows listed under them).
        self.opened: set[str] = set()
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
        self.load_first_page()

    # -- loading ---------------------------------------------------------------------------

    def read_page(self, number: int) -> Callable[[], None]:
        return partial(self.show_page, self.controller.page(number, self.search, self.action, frozenset(self.opened)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="activity-actions")
    def load_actions(self) -> None:
        deliver(self, self.show_actions, self.controller.actions())

    def show_actions(self, actions: tuple[str, ...]) -> None:
        self.query_one("#activity-action-filter", Select).set_options(literal_options((name, name) for name in actions))

    def show_page(self, view: ActivityPage) -> None:
        self.view = view
        keep = self.table.cursor_row
        fill_table(self.table, [([Text(cell) for cell in cells], None) for cells in view.rows])
        if self._keep_row and self.table.row_count:
            self.table.move_cursor(row=min(keep, self.table.row_count - 1))
        self._keep_row = False
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
        if action == "undo_entry":
            line = self.current_line
            if line is None:
                return self.refusal_for_row()
            return line.undo_refusal
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

    # -- batches and undo (issue 14) ---------------------------------------------------------

    _keep_row = False

    @property
    def current_line(self) -> ActivityLine | None:
        view, index = self.view, self.table.cursor_row
        return view.lines[index] if view is not None and 0 <= index < len(view.lines) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo_entry" and self.bulk is None:
            return False
        return super().check_action(action, parameters)

    @on(DataTable.RowSelected, "#activity-table")
    def _line_chosen(self) -> None:
        line = self.current_line
        if line is None or not line.is_batch or line.batch_id is None:
            return
        if line.opened:
            self.opened.discard(line.batch_id)
        else:
            self.opened.add(line.batch_id)
        self._keep_row = True
        self.reload()

    def action_undo_entry(self) -> None:
        line, bulk = self.current_line, self.bulk
        if line is None or bulk is None or line.batch_id is None:
            return
        batch, row = line.batch_id, line.row
        question = (f"Undo {line.label}? Each row is taken back if today's rules allow; "
                    "what cannot be (a seat taken since, a workshop started…) is listed.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.undo(lambda: bulk.undo(batch, row))

        self.app.push_screen(ConfirmDialog("Undo", question, "Undo"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="activity-undo")
    def undo(self, change: Callable[[], BatchReport]) -> None:
        deliver(self, self._undone, change())

    def _undone(self, report: BatchReport) -> None:
        notify_literal(self, report.message, title="Undo", severity=report.severity,
                       timeout=REPORT_SECONDS if report.refused else None)
        self.load_actions()
        self.reload()
