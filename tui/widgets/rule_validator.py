"""An input Validator that applies the same rule as the service, so the message matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.validation import ValidationResult, Validator
from textual.widgets import Input


class RuleValidator(Validator):
    """Validates with `check(value)`, which returns the message to show or None when the value is fine."""

    def __init__(self, check: Callable[[str], str | None]) -> None:
        super().__init__()
        self._check = check

    def validate(self, value: str) -> ValidationResult:
        message = self._check(value)
        return self.failure(message, value) if message else self.success()


def checked_input(value: str, check: Callable[[str], str | None], **options: Any) -> Input:
    """A plain Input whose text `check` judges as it is typed (a FormField shows the message).

    Nothing is filtered out of what is typed: Input(type="integer") would make "15.5"
    155 and "1e3" 13, where the service's own parser refuses both with a message. An
    empty field says nothing until the form is sent."""
    return Input(value, validators=[RuleValidator(check)], validate_on=["changed"], valid_empty=True, **options)
