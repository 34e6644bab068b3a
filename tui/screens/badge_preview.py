"""What saving a badge change would do — who gains or loses it, score before → after — before it is applied."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from domain.models.badges import ChangeEffect
from tui.controllers.badges import PREVIEW_COLUMNS, PreviewView
from tui.screens.base import ShowsOwnKeys
from tui.widgets.fit_table import FitTable
from tui.widgets.tables import fill_table

EFFECT_STYLES = {ChangeEffect.GAINS: "green", ChangeEffect.LOSES: "red", ChangeEffect.BONUS_CHANGES: "yellow"}


class BadgePreviewDialog(ShowsOwnKeys, ModalScreen[bool | None]):
    """Dismissed with True to apply, False to go back to the form, None to drop the change."""

    BINDINGS = [
        Binding("y", "answer(True)", "Apply"),
        Binding("b", "answer(False)", "Back to the form"),
        Binding("escape", "answer(None)", "Cancel"),
    ]

    def __init__(self, preview: PreviewView) -> None:
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        preview = self.preview
        with Vertical(classes="dialog", id="badge-preview-dialog"):
            yield Static(f"Preview: {preview.heading}", classes="dialog-title", markup=False)
            yield Static("\n".join(preview.changes), id="badge-preview-changes", markup=False)
            yield Static(preview.summary, id="badge-preview-summary", markup=False)
            if preview.rows:
                yield FitTable(id="badge-preview-table", show_cursor=False)
            else:
                yield Static("Nobody gains or loses this badge.", id="badge-preview-nobody", classes="hint",
                             markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply (y)", id="badge-preview-apply", variant="warning", compact=True)
                yield Button("Back (b)", id="badge-preview-back", compact=True)
                yield Button("Cancel (esc)", id="badge-preview-cancel", compact=True)

    def on_mount(self) -> None:
        if self.preview.rows:
            table = self.query_one("#badge-preview-table", DataTable)
            table.add_columns(*PREVIEW_COLUMNS)
            fill_table(table, [((Text(row.cells[0]), Text(row.cells[1], style=EFFECT_STYLES[row.effect]),
                                 Text(row.cells[2], justify="right"), Text(row.cells[3])), None)
                               for row in self.preview.rows])
        # The safe answer has the focus: enter alone never applies.
        self.query_one("#badge-preview-back", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        answers = {"badge-preview-apply": True, "badge-preview-back": False}
        self.dismiss(answers.get(event.button.id or ""))

    def action_answer(self, answer: bool | None) -> None:
        self.dismiss(answer)
