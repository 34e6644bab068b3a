"""Pick the learner to register: type to search, arrows to choose, enter to register."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.controllers.registrations import (
    NO_CANDIDATE,
    NONE_AVAILABLE,
    PICKER_LIMIT,
    LearnerOption,
    RegistrationsController,
)
from tui.screens.base import ShellDialog, deliver


class LearnerPickerDialog(ShellDialog[LearnerOption | None]):
    """Dismissed with the chosen learner, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "to_list", "Choices", show=False),
    ]

    def __init__(self, controller: RegistrationsController, workshop_title: str) -> None:
        super().__init__()
        self.controller = controller
        self.workshop_title = workshop_title
        self.options: dict[str, LearnerOption] = {}
        # The search the options shown answer (enter acts on a single match only if it is current).
        self.shown_for: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="learner-picker"):
            yield Static(f"Register a learner for {self.workshop_title}", classes="dialog-title", markup=False)
            yield Input(id="picker-search", placeholder="name or email", compact=True)
            yield OptionList(id="picker-options", markup=False, compact=True)
            yield Static("", id="picker-status", classes="hint", markup=False)
            yield Static("type to search · ↓ to the list · enter registers · esc cancels", classes="hint",
                         markup=False)

    def on_mount(self) -> None:
        self.query_one("#picker-search", Input).focus()
        self.search("")

    @on(Input.Changed, "#picker-search")
    def _typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="picker-search")
    def search(self, term: str) -> None:
        deliver(self, self.show_options, self.controller.candidates(term), term)

    def show_options(self, options: tuple[LearnerOption, ...], term: str = "") -> None:
        self.options = {str(o.learner_id): o for o in options}
        self.shown_for = term
        listing = self.query_one("#picker-options", OptionList)
        listing.clear_options()
        listing.add_options(
            Option(Content(f"{o.label}  ({o.note})" if o.note else o.label), id=str(o.learner_id),
                   disabled=not o.available)
            for o in options
        )
        first = next((i for i, o in enumerate(options) if o.available), None)
        listing.highlighted = first
        if not options:
            status = NO_CANDIDATE
        elif first is None:
            status = NONE_AVAILABLE
        else:
            status = f"{len(options)} learners shown; type more to narrow." if len(options) >= PICKER_LIMIT else ""
        self._say(status)

    def _say(self, status: str) -> None:
        self.query_one("#picker-status", Static).update(status)

    @on(Input.Submitted, "#picker-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        # enter on a single match registers it, or says why it cannot.
        options = list(self.options.values())
        if len(options) == 1 and self.shown_for == event.value:
            only = options[0]
            if only.refusal is None:
                self.dismiss(only)
            else:
                self._say(only.refusal)
            return
        self.action_to_list()

    def action_to_list(self) -> None:
        listing = self.query_one("#picker-options", OptionList)
        if not listing.option_count:
            self._say(NO_CANDIDATE)
        elif listing.highlighted is None:
            self._say(NONE_AVAILABLE)
        else:
            listing.focus()

    @on(OptionList.OptionSelected, "#picker-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        option = self.options.get(event.option.id or "")
        if option is not None and option.available:
            self.dismiss(option)

    def action_cancel(self) -> None:
        self.dismiss(None)
