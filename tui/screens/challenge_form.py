"""The form to create or edit a challenge, with each field's error shown under it."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Select, Static, Switch, TextArea

from tui.controllers.challenges import (
    CATEGORY_CHOICES,
    DIFFICULTY_CHOICES,
    ChallengeForm,
    ChallengeRow,
    ChallengesController,
    check_points,
)
from tui.screens.base import ENTER_IN_FORM, SubmitsOnEnter, deliver
from tui.screens.form_dialog import FormDialog
from tui.text import literal_options
from tui.widgets.form_field import FormField
from tui.widgets.rule_validator import checked_input

TEXT_FIELDS = ("title", "description", "category", "points", "difficulty", "co2_kg", "co2_source")


class ChallengeFormDialog(SubmitsOnEnter, FormDialog[ChallengeRow]):
    """Dismissed with the saved challenge's row, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save"),
        Binding("escape", "cancel", "Cancel"),
        ENTER_IN_FORM,
    ]
    SUBMIT_FIELD = "challenge-co2-source"
    SUBMIT_BUTTON = "challenge-save"
    CANCEL_BUTTON = "challenge-cancel"
    ERROR_LINE = "challenge-error"

    def __init__(self, controller: ChallengesController, challenge_id: int | None, form: ChallengeForm) -> None:
        super().__init__()
        self.controller = controller
        self.challenge_id = challenge_id
        self.initial = form

    def compose(self) -> ComposeResult:
        form = self.initial
        title = "New challenge" if self.challenge_id is None else f"Edit “{form.title}”"
        with VerticalScroll(classes="dialog", id="challenge-form"):
            yield Static(title, classes="dialog-title", markup=False)
            yield FormField("Title", "title", Input(form.title, id="challenge-title", placeholder="3 to 120 characters",
                                                    compact=True))
            yield FormField("Description", "description",
                            TextArea(form.description, id="challenge-description", compact=True,
                                     placeholder="optional, up to 2000 characters"))
            yield FormField("Category", "category", Select[str](
                literal_options((c.label, c.value) for c in CATEGORY_CHOICES), prompt="choose a category",
                value=form.category or Select.NULL, id="challenge-category", compact=True))
            yield FormField("Points", "points", checked_input(form.points, check_points, id="challenge-points",
                                                              placeholder="1 to 1000", compact=True))
            yield FormField("Difficulty", "difficulty", Select[str](
                literal_options((d.label, d.value) for d in DIFFICULTY_CHOICES), value=form.difficulty,
                allow_blank=False, id="challenge-difficulty", compact=True))
            yield FormField("CO2 saved, kg", "co2_kg", Input(form.co2_kg, id="challenge-co2",
                                                             placeholder="optional, e.g. 12.5", compact=True))
            yield FormField("CO2 source", "co2_source", Input(form.co2_source, id="challenge-co2-source",
                                                             placeholder="where the estimate comes from",
                                                             compact=True))
            yield FormField("Active", "is_active", Switch(form.is_active, id="challenge-active", animate=False))
            yield self.error_line()
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#challenge-title", Input).focus()

    def submit(self) -> None:
        values = self.field_values(TEXT_FIELDS)
        form = ChallengeForm(
            title=values["title"], description=values["description"], category=values["category"],
            points=values["points"], difficulty=values["difficulty"], co2_kg=values["co2_kg"],
            co2_source=values["co2_source"], is_active=self.query_one("#challenge-active", Switch).value,
        )
        self.sending()
        self.save(form)

    @work(thread=True, exclusive=True, exit_on_error=False, group="challenge-save")
    def save(self, form: ChallengeForm) -> None:
        deliver(self, self.dismiss, self.controller.save(self.challenge_id, form))
