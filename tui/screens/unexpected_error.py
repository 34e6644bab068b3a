"""The dialog shown when a bug was caught: the error id to quote and where the details are."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.screens.base import ShowsOwnKeys

NO_LOG = "This process has no log file, so the details were not kept."


class UnexpectedErrorDialog(ShowsOwnKeys, ModalScreen[None]):
    """Says that what the user asked for did not finish, with the error id(s) and the log file."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("backspace", "close", "Close", show=False),
    ]

    def __init__(self, error_id: str, log_file: Path | None) -> None:
        super().__init__()
        self.error_ids = [error_id]
        self.log_file = log_file

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="unexpected-error"):
            yield Static("Something went wrong", classes="dialog-title", markup=False)
            yield Static("SkillHub met an error it did not expect; what you asked for may not have finished.",
                         id="unexpected-error-what", markup=False)
            yield Static(self._ids_line(), id="unexpected-error-id", markup=False)
            where = f"The details are in the log file: {self.log_file}" if self.log_file else NO_LOG
            yield Static(where, id="unexpected-error-log", markup=False)
            yield Static("Press enter or escape to go back; you can carry on working.", classes="hint", markup=False)

    def _ids_line(self) -> str:
        if len(self.error_ids) == 1:
            return f"Error id: {self.error_ids[0]} (quote it when you report the problem)"
        return f"Error ids: {', '.join(self.error_ids)} (quote them when you report the problem)"

    def add(self, error_id: str) -> None:
        """Another error while this dialog is open: one dialog, every id."""
        self.error_ids.append(error_id)
        self.query_one("#unexpected-error-id", Static).update(self._ids_line())

    def action_close(self) -> None:
        self.dismiss(None)
