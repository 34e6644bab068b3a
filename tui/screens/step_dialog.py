"""A small form for one progress or badge step: an optional choice, one value, and its errors inline.

Used for "update %" and "record %" (challenge + percent), "reset" (reason), "award" and
"revoke" (badge + reason). The dialog runs the step itself, so the service's refusals
show under the field they concern; it is dismissed with the step's result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Select, Static

from tui.controllers.choices import Choice
from tui.controllers.progress import StepResult
from tui.screens.base import ENTER_IN_FORM, SubmitsOnEnter, deliver
from tui.screens.confirm import ConfirmDialog
from tui.screens.form_dialog import FormDialog
from tui.text import literal_options
from tui.widgets.form_field import FormField
from tui.widgets.rule_validator import checked_input


@dataclass(frozen=True)
class StepForm:
    """What a step dialog asks, and what it does with the answer (`submit` runs in a worker)."""

    title: str
    intro: str
    submit: Callable[[str, str], StepResult]
    value_label: str
    # The service's field names, so its errors land under the right control.
    value_field: str
    value_placeholder: str = ""
    check: Callable[[str], str | None] | None = None
    choice_label: str = ""
    choice_field: str = ""
    # Loaded in a worker when the dialog opens; None when there is nothing to choose.
    choices: Callable[[], Sequence[Choice]] | None = None
    selected: str | None = None
    submit_label: str = "Save"
    # Asked before `submit` runs, given the choice and the value: a question to confirm, or None.
    warn: Callable[[str, str], str | None] | None = None
    warn_title: str = "Are you sure?"


class StepDialog(SubmitsOnEnter, FormDialog[StepResult]):
    """Dismissed with the step's result, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save"),
        Binding("escape", "cancel", "Cancel"),
        ENTER_IN_FORM,
    ]
    SUBMIT_FIELD = "step-value"
    SUBMIT_BUTTON = "step-save"
    CANCEL_BUTTON = "step-cancel"
    ERROR_LINE = "step-error"

    def __init__(self, spec: StepForm) -> None:
        super().__init__()
        self.spec = spec

    def compose(self) -> ComposeResult:
        form = self.spec
        with Vertical(classes="dialog", id="step-dialog"):
            yield Static(form.title, classes="dialog-title", markup=False)
            yield Static(form.intro, id="step-intro", markup=False)
            if form.choices is not None:
                yield FormField(form.choice_label, form.choice_field,
                                Select[str]([], prompt="Loading…", id="step-choice", compact=True))
            value = (checked_input("", form.check, id="step-value", placeholder=form.value_placeholder, compact=True)
                     if form.check else Input(id="step-value", placeholder=form.value_placeholder, compact=True))
            yield FormField(form.value_label, form.value_field, value)
            yield self.error_line()
            yield from self.buttons(form.submit_label)

    def on_mount(self) -> None:
        if self.spec.choices is not None:
            self.load_choices()
        self.query_one("#step-value", Input).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="step-choices")
    def load_choices(self) -> None:
        assert self.spec.choices is not None
        deliver(self, self._show_choices, self.spec.choices())

    def _show_choices(self, choices: Sequence[Choice]) -> None:
        select = self.query_one("#step-choice", Select)
        select.set_options(literal_options((choice.label, choice.value) for choice in choices))
        select.prompt = "Choose…" if choices else "Nothing to choose"
        if self.spec.selected in {choice.value for choice in choices}:
            select.value = self.spec.selected
        self.started_with(select)

    def submit(self) -> None:
        choice = ""
        if self.spec.choices is not None:
            choice = self.query_one(f"#field-{self.spec.choice_field}", FormField).value
            if not choice:
                self.show_field_errors({self.spec.choice_field: f"Choose the {self.spec.choice_label.lower()}"})
                return
        value = self.query_one("#step-value", Input).value
        question = self.spec.warn(choice, value) if self.spec.warn is not None else None
        if question is None:
            self._send(choice, value)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._send(choice, value)

        self.app.push_screen(ConfirmDialog(self.spec.warn_title, question, self.spec.submit_label), answered)

    def _send(self, choice: str, value: str) -> None:
        self.sending()
        self.run_step(choice, value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="step-submit")
    def run_step(self, choice: str, value: str) -> None:
        deliver(self, self.dismiss, self.spec.submit(choice, value))
