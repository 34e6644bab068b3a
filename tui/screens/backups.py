"""Backups (admins): the archives newest first; back up, verify, and restore after typing the name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Protocol, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import DataTable, Header, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from domain.errors import ArchiveError, SkillHubError
from tui.controllers.backups import (
    COLUMNS,
    NO_ARCHIVE,
    ArchiveList,
    ArchiveRow,
    BackupDone,
    BackupsController,
    ProgressSink,
    ProgressView,
    RestoreOutcome,
    Verification,
    VerifyOutcome,
    one_at_a_time,
)
from tui.refusals import STILL_LOADING, GreysRefusedActions
from tui.screens.base import ShellScreen, deliver, route_error
from tui.screens.read_ahead import ReadAhead
from tui.screens.restore_confirm import RestoreConfirmDialog
from tui.screens.restore_report import RestoreReportDialog
from tui.text import notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter
from tui.widgets.tables import fill_table, row_at_cursor


class Summarised(Protocol):
    """An operation's outcome: what a notification says when the screen was left meanwhile."""

    @property
    def summary(self) -> str: ...


Result = TypeVar("Result", bound=Summarised)

OPERATION_GROUP = "backups-operation"
LIST_GROUP = "backups-list"
VERIFIED_STYLES = {
    Verification.PASSED: "green",
    Verification.FAILED: "bold red",
    Verification.UNREADABLE: "bold red",
    Verification.UNKNOWN: "",
}


class BackupsScreen(ReadAhead, GreysRefusedActions, ShellScreen):
    """The archive table, the selected archive's details, and a progress bar while an operation runs."""

    TITLE = "Backups"
    AUTO_FOCUS = "#backups-table"

    BINDINGS = [
        Binding("b", "backup", "Back up", id="backups-create"),
        Binding("v", "verify", "Verify", id="backups-verify"),
        Binding("r", "restore", "Restore", id="backups-restore"),
        # Archives written by `skillhub backup` meanwhile: listed by help, not in the footer.
        Binding("f5", "refresh", "Refresh the list", show=False, id="backups-refresh"),
    ]

    def __init__(self, controller: BackupsController) -> None:
        super().__init__()
        self.controller = controller
        self.view: ArchiveList | None = None
        # What runs now ("Backup", "Verification", "Restore"): one operation at a time.
        self.running: str | None = None
        self._select_after_load: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="list-toolbar"):
            yield Static("", id="backups-where", markup=False)
            yield Static("Loading…", id="backups-count", classes="list-page", markup=False)
        yield FitTable(id="backups-table", flexible=("PostgreSQL", "MongoDB", "Verified"))
        yield Static("", id="backups-detail", markup=False)
        with Vertical(id="backups-progress"):
            yield Static("", id="backups-progress-label", markup=False)
            yield ProgressBar(total=100, show_eta=False, id="backups-progress-bar")
        yield ShellFooter()

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.table.focus()
        if not self.show_read_ahead():
            self.load()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#backups-table", DataTable)

    # -- the list ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group=LIST_GROUP)
    def load(self) -> None:
        deliver(self, self.read_first())

    def read_first(self) -> Callable[[], None]:
        return partial(self.show_list, self.controller.archives())

    def show_list(self, view: ArchiveList) -> None:
        keep = self._select_after_load or (self.selected.name if self.selected else None)
        self._select_after_load = None
        self.view = view
        fill_table(self.table, [(_archive_cells(row), row.name) for row in view.rows], select=keep)
        self.query_one("#backups-where", Static).update(view.where)
        self.query_one("#backups-count", Static).update(view.label)
        self._show_detail()
        self.refresh_bindings()

    @property
    def selected(self) -> ArchiveRow | None:
        """The archive under the table's cursor."""
        return row_at_cursor(self.table, self.view.rows) if self.view is not None else None

    @on(DataTable.RowHighlighted, "#backups-table")
    def _row_changed(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        row = self.selected
        detail = self.query_one("#backups-detail", Static)
        if row is None:
            if self.view is not None and self.view.problem:
                detail.update(Content.styled(self.view.problem, "$text-error"))
            else:
                empty = self.view is not None and not self.view.rows
                detail.update(NO_ARCHIVE if empty else "")
            return
        name, *rest = row.detail
        lines = [Content.styled(name, "bold"), *(Content(line) for line in rest)]
        if row.alert:
            lines.append(Content.styled(row.alert, "$text-error"))
        detail.update(Content("\n").join(lines))

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action not in ("backup", "verify", "restore"):
            return None
        if self.running is not None:
            return one_at_a_time(self.running)
        if action == "backup":
            return None
        row = self.selected
        if row is None:
            return STILL_LOADING if self.view is None else NO_ARCHIVE
        return row.restore_refusal if action == "restore" else None

    def action_refresh(self) -> None:
        self.load()

    # -- operations --------------------------------------------------------------------------

    def action_backup(self) -> None:
        if self.running is None:
            self._start("Backup", self.controller.backup, self._show_backup)

    def action_verify(self) -> None:
        row = self.selected
        if self.running is None and row is not None:
            self._start("Verification", lambda sink: self.controller.verify(row.name, sink), self._show_verification)

    def action_restore(self) -> None:
        row = self.selected
        if self.running is not None or row is None:
            return

        def confirmed(typed: str | None) -> None:
            if typed is not None and self.running is None:
                self._start("Restore", lambda sink: self.controller.restore(row.name, typed, sink), self._show_restore)

        self.app.push_screen(RestoreConfirmDialog(row), confirmed)

    def _start(self, what: str, operation: Callable[[ProgressSink], Result], show: Callable[[Result], None]) -> None:
        self.running = what
        self._show_progress(ProgressView(f"{what}: starting…", 0))
        self.query_one("#backups-progress").display = True
        self.refresh_bindings()
        self.operate(what, operation, show)

    @work(thread=True, exclusive=True, exit_on_error=False, group=OPERATION_GROUP)
    def operate(self, what: str, operation: Callable[[ProgressSink], Result], show: Callable[[Result], None]) -> None:
        worker = get_current_worker()
        # Taken now: once the screen is left it is detached, and a worker thread finds the
        # app only through the screen's parents.
        app = self.app
        try:
            result = operation(self._progress_from_worker)
        except SkillHubError as error:
            if worker.is_cancelled:
                # The screen was left while the operation ran: the shell still says how it ended.
                def notify(shown: SkillHubError) -> None:
                    notify_literal(app, shown.message, title=f"{what} failed", severity="error")

                app.call_from_thread(route_error, app, error, notify)
            raise
        if worker.is_cancelled:
            notify_literal(app, result.summary, title=f"{what} finished")
        else:
            app.call_from_thread(show, result)

    def _progress_from_worker(self, view: ProgressView) -> None:
        deliver(self, self._show_progress, view)

    def _show_progress(self, view: ProgressView) -> None:
        self.query_one("#backups-progress-label", Static).update(view.label)
        self.query_one("#backups-progress-bar", ProgressBar).update(progress=view.percent)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Textual calls ShellScreen's handler after this one: it routes the errors of the
        # other workers; an operation's error is routed here, while `running` still names it.
        if event.worker.group != OPERATION_GROUP or not event.worker.is_finished:
            return
        event.prevent_default()
        if event.state is WorkerState.ERROR:
            route_error(self, event.worker.error, self.show_error, event.worker)
        self.running = None
        self.query_one("#backups-progress").display = False
        self.refresh_bindings()
        if isinstance(event.worker.error, ArchiveError):
            # A refused restore found the archive damaged: the list now says so.
            self.load()

    def show_error(self, error: SkillHubError) -> None:
        title = f"{self.running} failed" if self.running else "Backups"
        notify_literal(self, error.message, title=title, severity="error")

    # -- outcomes ----------------------------------------------------------------------------

    def _show_backup(self, done: BackupDone) -> None:
        notify_literal(self, done.summary, title="Backup written")
        self._select_after_load = done.name
        self.load()

    def _show_verification(self, outcome: VerifyOutcome) -> None:
        notify_literal(self, outcome.summary, title="Verified" if outcome.passed else "Verification FAILED",
                       severity="information" if outcome.passed else "error")
        self.load()

    def _show_restore(self, outcome: RestoreOutcome) -> None:
        # The list reloads only once the report is closed: loading checks the session again,
        # and an admin who is not in the archive is sent to the login screen.
        self.app.push_screen(RestoreReportDialog(outcome), self._reload)

    def _reload(self, _: object = None) -> None:
        self.load()


def _archive_cells(row: ArchiveRow) -> tuple[str | Text, ...]:
    """The row's cells, its verification in the colour of its outcome."""
    return (*row.cells[:-1], Text(row.verification.value, style=VERIFIED_STYLES[row.verification]))
