"""Form parsing shared by the progress and badge services: every field error at once."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from domain.errors import FormErrors, SkillHubError, ValidationError

E = TypeVar("E", bound=enum.Enum)

# ASCII digits, one optional decimal separator (point or comma); nothing is filtered out.
_DECIMAL_RE = re.compile(r"([+-]?)([0-9]+)(?:[.,]([0-9]+))?")


def collect(checks: dict[str, Callable[[], Any]],
            refusals: tuple[type[SkillHubError], ...] = ()) -> dict[str, Any]:
    """Run each field's check; raise FormErrors naming every failing field, else return the values.

    The one form-error collector: a check's ValidationError is shown under its own field (or the
    check's), a FormErrors under each of its fields, and any of `refusals` under the check's field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, check in checks.items():
        try:
            values[field] = check()
        except FormErrors as exc:
            errors.update(exc.errors)
        except ValidationError as exc:
            errors[exc.field or field] = exc.message
        except refusals as exc:
            errors[field] = exc.message
    if errors:
        raise FormErrors(errors)
    return values


def choice(value: object, kind: type[E], field: str, label: str) -> E:
    """One member of `kind`, given as the member itself or its value (case-insensitive)."""
    if isinstance(value, kind):
        return value
    allowed = [str(m.value) for m in kind]
    if isinstance(value, str) and value.strip().lower() in allowed:
        return kind(value.strip().lower())
    raise ValidationError(f"{label} must be one of {', '.join(allowed)}", field=field)


def optional_choice(value: object, kind: type[E], field: str, label: str) -> E | None:
    """Like `choice`, but None or a blank string mean "none"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return choice(value, kind, field, label)


def flag(value: object, field: str, label: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{label} must be yes or no", field=field)
    return value


def decimal_amount(value: object, field: str, label: str, maximum: Decimal) -> Decimal | None:
    """A number ≥ 0 with at most two decimals (a comma works as the separator), or None if blank.

    Parsed like `validation.integer`: surrounding spaces are trimmed, and "1e3", "12abc" or
    "1.234" are refused, never read as another number; a number out of range, however long,
    gets the range message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{label} must be a number such as 12.5", field=field)
    if isinstance(value, str):
        cleaned = value.strip()
        match = _DECIMAL_RE.fullmatch(cleaned)
        if match is None:
            raise ValidationError(f"{label} must be a number such as 12.5 (two decimals at most)", field=field)
        sign, whole, decimals = match.groups()
        if decimals is not None and len(decimals) > 2:
            raise ValidationError(f"{label} must be a number with two decimals at most", field=field)
        if sign != "-" and len(whole.lstrip("0")) > len(str(int(maximum))):
            raise ValidationError(f"{label} must be at most {maximum}", field=field)
        amount = Decimal(cleaned.replace(",", "."))
    elif isinstance(value, (int, float, Decimal)):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(f"{label} must be a number such as 12.5", field=field) from None
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(f"{label} must be a number with two decimals at most", field=field)
    else:
        raise ValidationError(f"{label} must be a number such as 12.5", field=field)
    if amount < 0:
        raise ValidationError(f"{label} cannot be negative", field=field)
    if amount > maximum:
        raise ValidationError(f"{label} must be at most {maximum}", field=field)
    # "-0" is zero, not a negative zero kept as typed.
    return abs(amount).quantize(Decimal("0.01"))
