"""What the progress module's form dialogs share: sending the form, and errors shown where they belong."""

from __future__ import annotations

from typing import ClassVar

from textual.widgets import Button, Static

from domain.errors import FormErrors, SkillHubError, ValidationError
from tui.screens.base import ResultType, ShellDialog, SubmitsOnEnter
from tui.widgets.form_field import FormField, show_form_errors


class FormDialog(SubmitsOnEnter, ShellDialog[ResultType]):
    """A dialog of FormFields: each error of the service lands under its field, the rest on one line.

    Subclasses name their submit button and their general error line, call `sending()` before
    starting the worker that submits, and put ENTER_IN_FORM in their BINDINGS."""

    SUBMIT_BUTTON: ClassVar[str]
    ERROR_LINE: ClassVar[str]

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
        show_form_errors(list(self.query(FormField)), errors, self.query_one(f"#{self.ERROR_LINE}", Static))
