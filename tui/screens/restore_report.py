"""After a restore: the report (counts against the manifest, schema revision, drift check)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.controllers.backups import RestoreOutcome
from tui.screens.base import ShowsOwnKeys


class RestoreReportDialog(ShowsOwnKeys, ModalScreen[None]):
    """What the restore did and what its checks found; red when a count differs from the archive."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("backspace", "close", "Close", show=False),
    ]

    def __init__(self, outcome: RestoreOutcome) -> None:
        super().__init__()
        self.outcome = outcome

    def compose(self) -> ComposeResult:
        outcome = self.outcome
        if not outcome.ok:
            title = "Restore finished, but counts differ from the archive"
        elif not outcome.drift_ok:
            title = "Restore finished: the drift check asks for a repair"
        else:
            title = "Restore finished: every check passed"
        with Vertical(classes="dialog", id="restore-report"):
            yield Static(title, classes="dialog-title", id="restore-report-title", markup=False)
            with VerticalScroll(id="restore-report-body"):
                yield Static("\n".join(outcome.lines), id="restore-report-lines", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (enter)", id="restore-report-close", variant="primary", compact=True)
        self.set_class(not outcome.ok, "-mismatch")

    def on_mount(self) -> None:
        self.query_one("#restore-report-close", Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
