"""The form to schedule or edit a workshop, with each field's error shown under it."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Select, Static

from domain.models.workshops import DESCRIPTION_MAX, PLACE_MAX, TITLE_MAX
from tui.controllers.workshops import FORM_FIELDS, NUMBER_CHECKS, WorkshopForm, WorkshopSaved, WorkshopsController
from tui.screens.base import ENTER_IN_FORM, SubmitsOnEnter, deliver
from tui.screens.form_dialog import FormDialog
from tui.text import literal_options
from tui.widgets.form_field import FormField
from tui.widgets.rule_validator import checked_input


class WorkshopFormDialog(SubmitsOnEnter, FormDialog[WorkshopSaved]):
    """Dismissed with the saved workshop, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save"),
        Binding("escape", "cancel", "Cancel"),
        ENTER_IN_FORM,
    ]
    SUBMIT_FIELD = "workshop-description"
    SUBMIT_BUTTON = "workshop-save"
    CANCEL_BUTTON = "workshop-cancel"
    ERROR_LINE = "workshop-form-error"

    def __init__(self, controller: WorkshopsController, form: WorkshopForm) -> None:
        super().__init__()
        self.controller = controller
        self.form = form

    def compose(self) -> ComposeResult:
        values = self.form.values
        trainer_ids = {str(t.user_id) for t in self.form.trainers}
        trainer = values["trainer_id"] if values["trainer_id"] in trainer_ids else Select.NULL
        with Vertical(classes="dialog", id="workshop-form"):
            yield Static(self.form.heading, classes="dialog-title", markup=False)
            with VerticalScroll(id="workshop-form-fields"):
                yield FormField("Title", "title", Input(values["title"], id="workshop-title", max_length=TITLE_MAX,
                                                        placeholder="3 to 120 characters", compact=True))
                yield FormField("Trainer", "trainer_id",
                                Select(literal_options((t.name, str(t.user_id)) for t in self.form.trainers),
                                       value=trainer, prompt="Choose a trainer", id="workshop-trainer",
                                       disabled=self.form.trainer_fixed, compact=True))
                yield FormField("Start (UTC)", "starts_at",
                                Input(values["starts_at"], id="workshop-start", placeholder="YYYY-MM-DD HH:MM",
                                      compact=True))
                yield FormField("Duration", "duration_minutes",
                                checked_input(values["duration_minutes"], NUMBER_CHECKS["duration_minutes"],
                                              id="workshop-duration", placeholder="minutes, 15 to 600", compact=True))
                yield FormField("Capacity", "capacity",
                                checked_input(values["capacity"], NUMBER_CHECKS["capacity"], id="workshop-capacity",
                                              placeholder="seats, 1 to 500", compact=True))
                yield FormField("Place", "place", Input(values["place"], id="workshop-place", max_length=PLACE_MAX,
                                                        placeholder="optional", compact=True))
                yield FormField("Description", "description",
                                Input(values["description"], id="workshop-description", max_length=DESCRIPTION_MAX,
                                      placeholder="optional", compact=True))
            yield self.error_line()
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#workshop-title", Input).focus()

    def submit(self) -> None:
        values = self.field_values(FORM_FIELDS)
        self.sending()
        self.save(values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="workshop-form")
    def save(self, values: dict[str, str]) -> None:
        workshop_id = self.form.workshop_id
        if workshop_id is None:
            saved = self.controller.create(values)
        else:
            saved = self.controller.edit(workshop_id, values)
        deliver(self, self.dismiss, saved)
