"""An input Validator that applies the same rule as the service, so the message matches."""

from __future__ import annotations

from collections.abc import Callable

from textual.validation import ValidationResult, Validator


class RuleValidator(Validator):
    """Validates with `check(value)`, which returns the message to show or None when the value is fine."""

    def __init__(self, check: Callable[[str], str | None]) -> None:
        super().__init__()
        self._check = check

    def validate(self, value: str) -> ValidationResult:
        message = self._check(value)
        return self.failure(message, value) if message else self.success()
