"""Text is text: how SkillHub shows a string that came from a person or a database.

Textual reads console markup in a plain `str` almost everywhere — `Static` and `Label`,
`DataTable` cells, `Select` and `OptionList` prompts, and `notify` — so a challenge titled
`Sort [/] waste` raises MarkupError while the screen draws (the app exits) and
`Paul [Intern]` silently loses its brackets. SkillHub never uses markup for its own words
either (styled text is built with `Text` or `Content.styled`), so every string is shown
as it is written. The conventions, checked by tests/tui/test_literal_text.py:

- notifications go through `notify_literal`, never through `.notify(` directly;
- every `Static`, `Label` and `OptionList` is created with `markup=False`, so a later
  `update(str)` is literal too;
- `Select` options are built with `literal_options`, `SelectionList` prompts with `literal`;
- `DataTable` rows go in through `fill_table` (tui/widgets/tables.py), which makes a
  `str` cell a literal `Text`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from rich.text import Text
from textual.dom import DOMNode
from textual.notifications import SeverityLevel

Value = TypeVar("Value")


def literal(text: str, style: str = "") -> Text:
    """`text` exactly as written (brackets included), optionally in one `style`."""
    return Text(text, style=style)


def literal_options(options: Iterable[tuple[str, Value]]) -> list[tuple[Text, Value]]:
    """`(label, value)` pairs for a `Select`, each label shown as written."""
    return [(literal(label), value) for label, value in options]


def notify_literal(node: DOMNode, message: str, *, title: str = "", severity: SeverityLevel = "information",
                   timeout: float | None = None) -> None:
    """Show a toast whose message is read as plain text (safe from a worker thread, like `App.notify`)."""
    node.app.notify(message, title=title, severity=severity, timeout=timeout, markup=False)
