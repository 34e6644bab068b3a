"""Small input checks shared by services: types, lengths, control characters."""

from __future__ import annotations

import re
import unicodedata

from domain.errors import ValidationError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def has_control_chars(value: str, allow_newlines: bool = False) -> bool:
    for ch in value:
        if allow_newlines and ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d":
            return True
    return False


def text(value: object, field: str, label: str, min_len: int, max_len: int, multiline: bool = False) -> str:
    """A trimmed string of min_len..max_len characters without control characters."""
    if not isinstance(value, str):
        raise ValidationError(f"{label} must be text", field=field)
    cleaned = value.strip()
    if len(cleaned) < min_len:
        raise ValidationError(
            f"{label} is required" if min_len == 1 else f"{label} must be at least {min_len} characters", field=field
        )
    if len(cleaned) > max_len:
        raise ValidationError(f"{label} must be at most {max_len} characters (got {len(cleaned)})", field=field)
    if has_control_chars(cleaned, allow_newlines=multiline):
        raise ValidationError(f"{label} must not contain control characters", field=field)
    return cleaned


def email(value: object, field: str = "email") -> str:
    cleaned = text(value, field, "Email", 3, 254).lower()
    if not EMAIL_RE.match(cleaned):
        raise ValidationError("Email must look like name@example.org", field=field)
    return cleaned


def integer(value: object, field: str, label: str, lo: int, hi: int) -> int:
    """An int in lo..hi; accepts digit strings from forms, refuses bools and floats."""
    if isinstance(value, bool):
        raise ValidationError(f"{label} must be a whole number", field=field)
    if isinstance(value, str):
        stripped = value.strip()
        if not re.fullmatch(r"[+-]?\d{1,9}", stripped):
            raise ValidationError(f"{label} must be a whole number", field=field)
        value = int(stripped)
    if not isinstance(value, int):
        raise ValidationError(f"{label} must be a whole number", field=field)
    if not lo <= value <= hi:
        raise ValidationError(f"{label} must be between {lo} and {hi}", field=field)
    return value
