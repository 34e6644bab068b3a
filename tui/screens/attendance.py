"""Mark attendance for several confirmed learners at once."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import RadioSet, SelectionList, Static
from textual.widgets.selection_list import Selection

from domain.models.workshops import Attendance
from tui.controllers.registrations import AttendanceChoice, Outcome, RegistrationsController
from tui.screens.base import deliver
from tui.screens.form_dialog import FormDialog
from tui.text import literal
from tui.widgets.tick_list import MarkButton, TickList


class AttendanceDialog(FormDialog[Outcome]):
    """Tick learners (space), choose the mark, save with ctrl+s; dismissed with the outcome."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save"),
        Binding("ctrl+a", "toggle_all", "All / none"),
        Binding("escape", "cancel", "Cancel"),
    ]
    SUBMIT_BUTTON = "attendance-save"
    CANCEL_BUTTON = "attendance-cancel"
    ERROR_LINE = "attendance-error"

    def __init__(self, controller: RegistrationsController) -> None:
        super().__init__()
        self.controller = controller

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="attendance"):
            yield Static("Mark attendance", classes="dialog-title", markup=False)
            yield Static("Loading the confirmed learners…", id="attendance-status", classes="hint", markup=False)
            yield TickList[int](id="attendance-learners", compact=True)
            with RadioSet(id="attendance-mark", compact=True):
                for index, mark in enumerate(Attendance):
                    yield MarkButton(mark.value, value=index == 0, id=f"mark-{mark.value}", compact=True)
            yield self.error_line()
            yield Static("space ticks a learner · ctrl+a all/none · tab to the marks", classes="hint", markup=False)
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#attendance-learners", SelectionList).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="attendance-load")
    def load(self) -> None:
        deliver(self, self.show_choices, self.controller.attendance_choices())

    def show_choices(self, choices: tuple[AttendanceChoice, ...]) -> None:
        learners = self.query_one("#attendance-learners", SelectionList)
        learners.clear_options()
        learners.add_options(Selection(literal(f"{c.name}  · {c.mark}"), c.learner_id) for c in choices)
        # Highlight the first learner, so the first space ticks them.
        learners.highlighted = 0 if choices else None
        status = f"{len(choices)} confirmed learners" if choices else "Nobody has a confirmed seat yet."
        self.query_one("#attendance-status", Static).update(status)

    @property
    def mark(self) -> Attendance:
        pressed = self.query_one("#attendance-mark", RadioSet).pressed_index
        return list(Attendance)[max(0, pressed)]

    def action_toggle_all(self) -> None:
        learners = self.query_one("#attendance-learners", SelectionList)
        if len(learners.selected) == learners.option_count:
            learners.deselect_all()
        else:
            learners.select_all()

    def submit(self) -> None:
        chosen = list(self.query_one("#attendance-learners", SelectionList).selected)
        if not chosen:
            self.show_field_errors({"attendance": "Tick at least one learner (space)."})
            return
        self.sending()
        self.save(chosen, self.mark)

    @work(thread=True, exclusive=True, exit_on_error=False, group="attendance-save")
    def save(self, learner_ids: list[int], mark: Attendance) -> None:
        deliver(self, self.dismiss, self.controller.mark_attendance(learner_ids, mark))
