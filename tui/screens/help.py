"""`?`: the keys of the current screen and the keys that work everywhere."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.screens.base import ShowsOwnKeys


@dataclass(frozen=True)
class HelpEntry:
    """One key in the help: greyed (with a note) when the user may not use it now."""

    key: str
    description: str
    enabled: bool = True
    note: str = ""


# The width tui/styles/shell.tcss gives the first column, less a gutter: its lines are
# wrapped here, so that a greyed key's reason continues under the description, not the key.
SCREEN_COLUMN = 32 - 2


def _lines(entries: Sequence[HelpEntry], width: int | None = None) -> Content:
    key_width = max((len(e.key) for e in entries), default=0)
    parts = []
    for entry in entries:
        line = f"{entry.key:<{key_width}}  {entry.description}" + (f" ({entry.note})" if entry.note else "")
        wrapped = textwrap.wrap(line, width, subsequent_indent=" " * (key_width + 2)) if width else [line]
        parts.append(Content.styled("\n".join(wrapped), "" if entry.enabled else "$text-disabled"))
    return Content("\n").join(parts) if parts else Content("No keys of its own.")


class HelpScreen(ShowsOwnKeys, ModalScreen[None]):
    """Two columns: this screen's keys, and the global ones (sections greyed by role)."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("backspace", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
        Binding("f1", "close", "Close", show=False),
    ]

    def __init__(self, screen_title: str, screen_keys: Sequence[HelpEntry], global_keys: Sequence[HelpEntry]) -> None:
        super().__init__()
        self.screen_title = screen_title
        self.screen_keys = screen_keys
        self.global_keys = global_keys

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Static(f"Keys — {self.screen_title}", classes="dialog-title", markup=False)
            with VerticalScroll(id="help-body"), Horizontal(id="help-columns"):
                with Vertical(classes="help-column"):
                    yield Static("On this screen", classes="help-heading", markup=False)
                    yield Static(_lines(self.screen_keys, SCREEN_COLUMN), id="help-screen-keys", markup=False)
                with Vertical(classes="help-column"):
                    yield Static("Everywhere", classes="help-heading", markup=False)
                    yield Static(_lines(self.global_keys), id="help-global-keys", markup=False)
            yield Static("escape, backspace or ? closes this help.", classes="hint", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
