"""What every SkillHub form dialog shares: sending the form, cancelling it, and each error shown where it belongs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar, Generic

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, RadioSet, Select, SelectionList, Static, Switch, TextArea

from domain.errors import FormErrors, SkillHubError, ValidationError
from tui.screens.base import ResultType, ShellDialog
from tui.screens.confirm import ConfirmDialog
from tui.widgets.form_field import FormField, show_form_errors

# The controls whose value is typed work: a form holding one that differs from how it opened is "changed".
EDITABLE = (Input, TextArea, Select, Switch, SelectionList, RadioSet)


def control_value(control: Widget) -> object:
    """What a form control holds, comparable with what it held when the form opened."""
    if isinstance(control, Input):
        return control.value
    if isinstance(control, TextArea):
        return control.text
    if isinstance(control, (Select, Switch)):
        return control.value
    if isinstance(control, SelectionList):
        return frozenset(control.selected)
    if isinstance(control, RadioSet):
        return control.pressed_index
    return None


class AsksBeforeDiscarding:
    """Mixin for dialogs where something is typed or chosen: `leave()` closes one as it opened at
    once, and asks before discarding one whose controls hold anything else.

    A control filled after the dialog opened (choices loaded by a worker) is given its new
    starting value with `started_with(control)`."""

    _opened_with: dict[Widget, object]

    def on_mount(self) -> None:
        # Textual runs this after the dialog's own on_mount, before any key reaches it.
        assert isinstance(self, ModalScreen)
        self._opened_with = {control: control_value(control) for control in self.query("*")
                             if isinstance(control, EDITABLE)}

    def started_with(self, control: Widget) -> None:
        """Count `control`'s present value as the one the dialog opened with (it was filled by a worker)."""
        self._opened_with[control] = control_value(control)

    @property
    def changed(self) -> bool:
        """Whether any control holds something other than what the dialog opened with."""
        return any(control_value(control) != value for control, value in self._opened_with.items()
                   if control.is_attached)

    def leave(self) -> None:
        """Dismiss with None: at once when nothing changed, else after a yes to "Discard changes?"."""
        screen = self
        assert isinstance(screen, ModalScreen)
        if not self.changed:
            screen.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                screen.dismiss(None)

        screen.app.push_screen(ConfirmDialog("Discard changes?", "This form has changes that were not saved. "
                                             "Discard them?", "Discard"), answered)


class FormDialog(AsksBeforeDiscarding, ShellDialog[ResultType | None], Generic[ResultType]):
    """A dialog that sends what was typed or chosen to a service: dismissed with the result, or None when cancelled.

    Subclasses name their submit and cancel buttons and their error line (and compose them
    with `error_line()` and `buttons()`), bind their keys to the actions `submit` and
    `cancel`, and implement `submit()`: read the form, call `sending()`, start the worker
    that sends it. Each error of the service lands under its
    FormField, the rest on the error line. A form of text fields also mixes in
    SubmitsOnEnter (tui/screens/base.py): enter moves to the next field, and sends from the last.

    Cancelling (esc or the cancel button) closes a form as it opened at once; a form whose
    controls hold anything else asks first (AsksBeforeDiscarding), so typed work is never
    discarded silently.
    """

    SUBMIT_BUTTON: ClassVar[str]
    CANCEL_BUTTON: ClassVar[str]
    ERROR_LINE: ClassVar[str]

    def error_line(self) -> Static:
        """The line for the errors that belong to no field."""
        return Static("", id=self.ERROR_LINE, classes="dialog-error", markup=False)

    def buttons(self, submit_label: str) -> ComposeResult:
        """The submit button (ctrl+s) and the cancel button (esc), at the right under the form."""
        with Horizontal(classes="dialog-buttons"):
            yield Button(f"{submit_label} (ctrl+s)", id=self.SUBMIT_BUTTON, variant="primary", compact=True)
            yield Button("Cancel (esc)", id=self.CANCEL_BUTTON, compact=True)

    # Each form defines it: send the form (the submit button, its key, or enter in the last field).
    submit: Callable[[], None]

    def action_submit(self) -> None:
        self.submit()

    def action_cancel(self) -> None:
        self.leave()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == self.SUBMIT_BUTTON:
            self.submit()
        elif event.button.id == self.CANCEL_BUTTON:
            self.action_cancel()

    def field_values(self, fields: Iterable[str]) -> dict[str, str]:
        """What the FormFields named `fields` hold, as text (see FormField.value)."""
        return {field: self.query_one(f"#field-{field}", FormField).value for field in fields}

    def sending(self) -> None:
        """Clear the last errors and disable the submit button until the worker answers."""
        self.show_field_errors({})
        self.query_one(f"#{self.SUBMIT_BUTTON}", Button).disabled = True

    def show_error(self, error: SkillHubError) -> None:
        self.query_one(f"#{self.SUBMIT_BUTTON}", Button).disabled = False
        fields = {field.field for field in self.query(FormField)}
        if isinstance(error, FormErrors):
            self.show_field_errors(error.errors)
        elif isinstance(error, ValidationError) and error.field in fields:
            self.show_field_errors({error.field: error.message})
        else:
            self.show_field_errors({})
            self.query_one(f"#{self.ERROR_LINE}", Static).update(error.message)

    def show_field_errors(self, errors: dict[str, str]) -> None:
        """Each of `errors` under its field (the others on the error line); no error clears them all."""
        show_form_errors(list(self.query(FormField)), errors, self.query_one(f"#{self.ERROR_LINE}", Static))
