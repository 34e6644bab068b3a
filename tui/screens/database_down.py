"""The panel shown when PostgreSQL or MongoDB does not answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from domain.errors import DatabaseUnavailable
from tui.screens.base import ShowsOwnKeys


class DatabaseDownDialog(ShowsOwnKeys, ModalScreen[None]):
    """Which database is unreachable, what it said, and how to fix it — never a traceback."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("backspace", "close", "Close", show=False),
    ]

    def __init__(self, error: DatabaseUnavailable) -> None:
        super().__init__()
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="database-down"):
            yield Static(f"{self.error.which} is unreachable", classes="dialog-title", markup=False)
            yield Static(f"Detail: {self.error.detail}", id="database-down-detail", markup=False)
            yield Static(f"How to fix: {self.error.hint}", id="database-down-hint", markup=False)
            yield Static("Press enter or escape to close this panel, then try again.", classes="hint", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
