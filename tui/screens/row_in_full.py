"""One table row in full: every column's label and its whole value, wrapped (what the table cut with an ellipsis)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.screens.base import ShowsOwnKeys


class RowInFullDialog(ShowsOwnKeys, ModalScreen[None]):
    """The highlighted row of a table, one field a line, uncut; closed by escape or enter."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("backspace", "close", "Close", show=False),
    ]

    def __init__(self, title: str, fields: list[tuple[str, Text]]) -> None:
        super().__init__()
        self.heading = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="row-in-full"):
            yield Static(self.heading, classes="dialog-title", markup=False)
            with VerticalScroll(id="row-in-full-fields", can_focus=True):
                for label, value in self.fields:
                    yield Static(label, classes="row-in-full-label", markup=False)
                    shown = value.copy()
                    shown.no_wrap, shown.overflow = False, "fold"
                    yield Static(shown, classes="row-in-full-value", markup=False)

    def on_mount(self) -> None:
        self.query_one("#row-in-full-fields").focus()

    def action_close(self) -> None:
        self.dismiss(None)
