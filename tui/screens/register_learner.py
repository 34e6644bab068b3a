"""Register a learner to a workshop: type to search, arrows to choose, enter to register."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from tui.controllers.choices import Choice
from tui.controllers.registrations import NO_CANDIDATE, RegistrationsController, candidates_status
from tui.screens.base import ShellDialog
from tui.widgets.search_picker import SearchPicker


class RegisterLearnerDialog(ShellDialog[Choice | None]):
    """Dismissed with the chosen learner (the choice's value is their id), or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "to_list", "Choices", show=False),
    ]

    def __init__(self, controller: RegistrationsController, workshop_title: str) -> None:
        super().__init__()
        self.controller = controller
        self.workshop_title = workshop_title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="learner-picker"):
            yield Static(f"Register a learner for {self.workshop_title}", classes="dialog-title", markup=False)
            # Searched as typed; a failed search is said like any error of the dialog.
            yield SearchPicker(self.controller.candidates, "name or email", NO_CANDIDATE, live=True,
                               status=candidates_status, on_error=self.show_error, id="picker")
            yield Static("type to search · ↓ to the list · enter registers · esc cancels", classes="hint",
                         markup=False)

    def on_mount(self) -> None:
        self.query_one(SearchPicker).focus_search()

    def action_to_list(self) -> None:
        self.query_one(SearchPicker).to_list()

    @on(SearchPicker.Picked)
    def _picked(self, event: SearchPicker.Picked) -> None:
        self.dismiss(event.choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
