"""One option of a picker or a select, as controllers hand them to screens."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    """A value the user can pick and the text that names it."""

    value: str
    label: str


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, so a table column stays narrow."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
