"""A labelled form control with its own inline error line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch

if TYPE_CHECKING:
    # Imported by the forms that have one: the login screen's fields do not load the editor.
    from textual.widgets import TextArea


class FormField(Widget):
    """Label, control (an Input, Select, TextArea or Switch) and the error the last submission found for it."""

    DEFAULT_CSS = """
    FormField {
        layout: vertical;
        height: auto;
        margin-bottom: 1;

        & > .form-field--row { height: auto; }
        & .form-field--label { width: 14; color: $text-muted; }
        & Input, & Select, & TextArea { width: 1fr; }
        & TextArea { height: 3; }
        & > .form-field--error { display: none; color: $text-error; padding-left: 14; }

        &.-invalid > .form-field--error { display: block; }
        &.-invalid .form-field--label { color: $text-error; }
    }
    """

    def __init__(self, label: str, field: str, control: Input | Select[str] | TextArea | Switch) -> None:
        super().__init__(id=f"field-{field}")
        self.label = label
        self.field = field
        self.control = control
        # What the control held when its error was set (None: no error).
        self._refused: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-field--row"):
            yield Label(self.label, classes="form-field--label", markup=False)
            yield self.control
        yield Static("", classes="form-field--error", markup=False)

    @property
    def value(self) -> str:
        """The control's value as text ("" for an empty select, "yes" or "no" for a switch)."""
        if isinstance(self.control, Select):
            return "" if self.control.value is Select.NULL else str(self.control.value)
        if isinstance(self.control, Switch):
            return "yes" if self.control.value else "no"
        if isinstance(self.control, Input):
            return self.control.value
        return self.control.text

    @on(Input.Changed)
    def _say_while_typing(self, event: Input.Changed) -> None:
        # An Input with validators judges its text as it is typed (see checked_input), so its
        # message comes and goes with the text.
        if event.input is not self.control:
            return
        if not self.control.validators:
            self._forget_refusal()
            return
        result = event.validation_result
        self.set_error(None if result is None or result.is_valid else result.failure_descriptions[0])

    @on(Select.Changed)
    @on(Switch.Changed)
    def _changed(self, event: TextArea.Changed | Select.Changed | Switch.Changed) -> None:
        if event.control is self.control:
            self._forget_refusal()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # TextArea.Changed, by its handler's name (see the import above).
        self._changed(event)

    def _forget_refusal(self) -> None:
        # A control the screen cannot judge alone (the service does: a taken email, a date in
        # the past) drops its error once it no longer holds the value that was refused; the
        # next send judges it again.
        if self._refused is not None and self.value != self._refused:
            self.set_error(None)

    def set_error(self, message: str | None) -> None:
        """Show `message` under the control, or clear it."""
        self._refused = self.value if message else None
        text = (message[:1].upper() + message[1:]) if message else ""
        self.query_one(".form-field--error", Static).update(text)
        self.set_class(bool(message), "-invalid")
        self.control.set_class(bool(message), "-invalid")


def show_form_errors(fields: list[FormField], errors: dict[str, str], general: Static) -> None:
    """Put each error under its field, the rest on the form's general line; focus the first bad field."""
    known = {f.field for f in fields}
    for field in fields:
        field.set_error(errors.get(field.field))
    general.update("; ".join(message for name, message in errors.items() if name not in known))
    for field in fields:
        if field.field in errors:
            field.control.focus()
            break
