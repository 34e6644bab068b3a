"""A dialog to pick one choice from a searchable list (e.g. the challenge to start), on the one SearchPicker."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.controllers.choices import Choice
from tui.screens.base import ShellDialog
from tui.widgets.search_picker import SearchPicker


class PickerDialog(ShellDialog[Choice | None]):
    """Dismissed with the picked choice, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("slash", "search", "Search", show=False),
    ]

    def __init__(self, title: str, hint: str, load: Callable[[str], Sequence[Choice]], empty: str) -> None:
        super().__init__()
        self.dialog_title = title
        self.hint = hint
        self.load = load
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="choice-picker"):
            yield Static(self.dialog_title, classes="dialog-title", markup=False)
            yield Static(self.hint, classes="picker-hint", markup=False)
            yield SearchPicker(self.load, "/ search by title", self.empty, id="choices")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="picker-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(SearchPicker).focus_search()

    def action_search(self) -> None:
        self.query_one(SearchPicker).focus_search()

    @on(SearchPicker.Picked)
    def _picked(self, event: SearchPicker.Picked) -> None:
        self.dismiss(event.choice)

    @on(Button.Pressed, "#picker-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
