"""The screen of a section whose module is not installed yet."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Header, Static

from tui.screens.base import ShellScreen
from tui.widgets.shell_footer import ShellFooter


class NotAvailableScreen(ShellScreen):
    """Says plainly that a section exists in the menu but cannot be used yet."""

    def __init__(self, key: str, title: str, summary: str) -> None:
        super().__init__()
        self.key = key
        self.section_title = title
        self.summary = summary
        self.title = title

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="not-available"):
            yield Static(f"{self.section_title} is not available yet", id="not-available-title", markup=False)
            yield Static(
                f"This section ({self.summary.lower()}) is still being built. "
                f"Once it is installed it opens here, with key {self.key}.",
                markup=False,
            )
            yield Static("Press escape or backspace to go back, 1 for Home, ? for help.", classes="hint", markup=False)
        yield ShellFooter()
