"""The footer every SkillHub screen shows."""

from __future__ import annotations

from textual.widgets import Footer


class ShellFooter(Footer):
    """A compact footer, so a list screen's keys and the global ones fit in 80 columns.

    The command palette key is left out: `?` (help) lists it with every other key.
    """

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)
