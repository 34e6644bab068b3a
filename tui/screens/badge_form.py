"""The form to create a badge or change its rule; submitting it asks for a preview, not a save."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Select, Static, Switch

from tui.controllers.badges import NUMBER_CHECKS, RULE_CHOICES, BadgeForm, BadgesController, PreviewView
from tui.controllers.challenges import CATEGORY_CHOICES
from tui.screens.base import ENTER_IN_FORM, SubmitsOnEnter, deliver
from tui.screens.form_dialog import FormDialog
from tui.text import literal_options
from tui.widgets.form_field import FormField
from tui.widgets.rule_validator import checked_input

TEXT_FIELDS = ("code", "name", "description", "rule_type", "threshold", "category", "bonus_points", "validity_days")


class BadgeFormDialog(SubmitsOnEnter, FormDialog[tuple[BadgeForm, PreviewView]]):
    """Dismissed with the typed form and its preview, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Preview"),
        Binding("escape", "cancel", "Cancel"),
        ENTER_IN_FORM,
    ]
    SUBMIT_FIELD = "badge-validity"
    SUBMIT_BUTTON = "badge-preview"
    CANCEL_BUTTON = "badge-cancel"
    ERROR_LINE = "badge-error"

    def __init__(self, controller: BadgesController, form: BadgeForm) -> None:
        super().__init__()
        self.controller = controller
        self.initial = form

    def compose(self) -> ComposeResult:
        form = self.initial
        title = f"Change the badge {form.name}" if form.existing else "New badge"
        with VerticalScroll(classes="dialog", id="badge-form"):
            yield Static(title, classes="dialog-title", markup=False)
            yield FormField("Code", "code", Input(form.code, id="badge-code", placeholder="e.g. energy-saver",
                                                  compact=True, disabled=form.existing))
            yield FormField("Name", "name", Input(form.name, id="badge-name", compact=True))
            yield FormField("Description", "description", Input(form.description, id="badge-description",
                                                                placeholder="optional", compact=True))
            yield FormField("Rule", "rule_type", Select[str](
                literal_options((c.label, c.value) for c in RULE_CHOICES), value=form.rule_type, allow_blank=False,
                id="badge-rule", compact=True))
            yield FormField("At least", "threshold", checked_input(form.threshold, NUMBER_CHECKS["threshold"],
                                                                   id="badge-threshold",
                                                                   placeholder="the rule's threshold", compact=True))
            yield FormField("Category", "category", Select[str](
                literal_options((c.label, c.value) for c in CATEGORY_CHOICES), prompt="any category",
                value=form.category or Select.NULL, id="badge-category", compact=True))
            yield FormField("Bonus points", "bonus_points", checked_input(form.bonus_points,
                                                                          NUMBER_CHECKS["bonus_points"],
                                                                          id="badge-bonus", placeholder="0 to 1000",
                                                                          compact=True))
            yield FormField("Valid for days", "validity_days", checked_input(form.validity_days,
                                                                             NUMBER_CHECKS["validity_days"],
                                                                             id="badge-validity",
                                                                             placeholder="blank: never expires",
                                                                             compact=True))
            yield FormField("Active", "active", Switch(form.active, id="badge-active", animate=False))
            yield self.error_line()
            yield from self.buttons("Preview")

    def on_mount(self) -> None:
        self.query_one("#badge-name" if self.initial.existing else "#badge-code", Input).focus()

    def submit(self) -> None:
        values = self.field_values(TEXT_FIELDS)
        form = BadgeForm(**values, active=self.query_one("#badge-active", Switch).value,
                         existing=self.initial.existing)
        self.sending()
        self.preview(form)

    @work(thread=True, exclusive=True, exit_on_error=False, group="badge-preview")
    def preview(self, form: BadgeForm) -> None:
        deliver(self, self.dismiss, (form, self.controller.preview(form)))
