"""Input checks shared by every service, screen and command: text a database can store,
lengths, control characters, whole numbers and email addresses.

A value is refused with the same `ValidationError` (naming its field) wherever it was
typed, so a form shows it inline and the CLI prints it as one line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TypeGuard

from domain.errors import ValidationError

EMAIL_MAX = 254
# The rough shape first, so the common mistake (no @, no dot) gets the friendly message;
# email-validator then applies the real syntax rules.
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# ASCII digits only: `\d` would also take Arabic-Indic or full-width digits.
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def valid_text(value: object, field: str, label: str) -> str:
    """`value` unchanged if it is text that PostgreSQL and MongoDB can store.

    Refuses non-strings, NUL characters (PostgreSQL cannot store them) and anything that
    cannot be encoded as UTF-8: lone surrogates such as '\\ud800', or the '\\udcff' Python
    makes of an invalid UTF-8 byte in a command-line argument. Every text input goes
    through here, directly or through `text`."""
    if not isinstance(value, str):
        raise ValidationError(f"{label} must be text", field=field)
    if "\x00" in value:
        raise ValidationError(f"{label} must not contain control characters", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"{label} must be valid UTF-8 text", field=field) from None
    return value


def is_valid_text(value: object) -> TypeGuard[str]:
    """Whether `valid_text` would accept `value` (for callers that must not say why, like login)."""
    try:
        valid_text(value, "value", "Value")
    except ValidationError:
        return False
    return True


def has_control_chars(value: str, allow_newlines: bool = False) -> bool:
    for ch in value:
        if allow_newlines and ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d":
            return True
    return False


def text(value: object, field: str, label: str, min_len: int, max_len: int, multiline: bool = False) -> str:
    """A trimmed, storable string of min_len..max_len characters without control characters."""
    cleaned = valid_text(value, field, label).strip()
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
    """An email address in the form SkillHub stores it.

    Trimmed and lower-cased, then checked and normalised by email-validator (syntax only,
    no DNS look-up): Unicode NFC, the domain in its IDNA normal form. Quoted local parts,
    IP-address domains and special-use domains (.local, .test, localhost…) are refused."""
    cleaned = text(value, field, "Email", 3, EMAIL_MAX).lower()
    if not _EMAIL_SHAPE.match(cleaned):
        raise ValidationError("Email must look like name@example.org", field=field)
    # Imported here: settings are parsed with this module before the TUI's first frame, and
    # email-validator (with its IDNA tables) is only needed once an address is checked.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(cleaned, check_deliverability=False)
    except EmailNotValidError as exc:
        reason = str(exc).strip().rstrip(".")
        raise ValidationError(f"Email is not valid: {reason[:1].lower()}{reason[1:]}", field=field) from None
    return checked.normalized


def email_lookup_key(value: object) -> str | None:
    """How to look an account up by what was typed as its email: the stored form of the address,
    or, for text email-validator refuses (an account created before addresses were checked),
    the trimmed, lower-cased text itself; None when no database could look it up."""
    try:
        return email(value)
    except ValidationError:
        pass
    if not is_valid_text(value):
        return None
    key = value.strip().lower()
    return key if 0 < len(key) <= EMAIL_MAX else None


def integer(value: object, field: str, label: str, lo: int, hi: int) -> int:
    """A whole number in lo..hi, parsed, never filtered.

    Text from a form may hold surrounding spaces (trimmed: " 12 " is 12), an optional sign
    and ASCII digits, nothing else: "15.5", "1e3" and "12abc" are refused, never read as
    another number. A whole number outside lo..hi, however long, gets the range message.
    Bools and floats are refused."""
    not_whole = ValidationError(f"{label} must be a whole number", field=field)
    out_of_range = ValidationError(f"{label} must be between {lo} and {hi}", field=field)
    if isinstance(value, bool):
        raise not_whole
    if isinstance(value, str):
        stripped = value.strip()
        if not _WHOLE_NUMBER.fullmatch(stripped):
            raise not_whole
        # More significant digits than either bound has is out of range: said without
        # converting, since int() refuses strings of more than 4,300 digits.
        if len(stripped.lstrip("+-").lstrip("0")) > max(len(str(abs(lo))), len(str(abs(hi)))):
            raise out_of_range
        value = int(stripped)
    if not isinstance(value, int):
        raise not_whole
    if not lo <= value <= hi:
        raise out_of_range
    return value


# PostgreSQL's bigint: the largest id a row can have.
MAX_ID = 2**63 - 1


def parse_id(value: object, field: str, label: str, *, typed: bool = False) -> int:
    """A database id (a whole number from 1): the one id parser.

    Given as an int or as the digits a form holds; with `typed`, only an int (the argument of
    a service method that no form fills from text)."""
    if typed and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValidationError(f"{label} must be a whole number", field=field)
    return integer(value, field, label, 1, MAX_ID)


@dataclass(frozen=True)
class WholeNumber:
    """A whole-number field (its form name, label and range), parsed one way by the service
    that stores it and by the form that shows its message while the person types."""

    field: str
    label: str
    lo: int
    hi: int

    def parse(self, value: object) -> int:
        return integer(value, self.field, self.label, self.lo, self.hi)

    def problem(self, value: str) -> str | None:
        """What is wrong with `value` as typed, or None when it is a number in range."""
        try:
            self.parse(value)
        except ValidationError as exc:
            return exc.message
        return None
