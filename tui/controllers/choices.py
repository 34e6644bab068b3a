"""One option of a picker or a select, as controllers hand them to screens, and the id a picked one names."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import ValidationError
from domain.validation import parse_id


@dataclass(frozen=True)
class Choice:
    """A value the user can pick and the text that names it (a database id travels as its digits)."""

    value: str
    label: str
    # Said after the label, e.g. "already registered".
    note: str = ""
    # Why it cannot be picked (a picker shows it greyed and says this); None when it can.
    refusal: str | None = None

    @property
    def available(self) -> bool:
        return self.refusal is None

    @property
    def text(self) -> str:
        """The label, and the note in brackets after it when there is one."""
        return f"{self.label}  ({self.note})" if self.note else self.label


def chosen_id(value: str, field: str, missing: str) -> int:
    """The database id a picked choice names; a ValidationError saying `missing` on `field` when it names none.

    Parsed by the services' own id parser, so a picker and a service agree on what an id is."""
    try:
        return parse_id(value, field, field)
    except ValidationError:
        raise ValidationError(missing, field=field) from None


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, so a table column stays narrow."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
