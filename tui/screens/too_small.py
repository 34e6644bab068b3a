"""What the terminal shows while it is smaller than SkillHub's screens need."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

MIN_SIZE = Size(80, 24)


def too_small(size: Size) -> bool:
    """Whether a terminal of `size` is below MIN_SIZE in either direction."""
    return size.width < MIN_SIZE.width or size.height < MIN_SIZE.height


def notice(size: Size) -> str:
    return f"SkillHub needs at least {MIN_SIZE.width}×{MIN_SIZE.height} — now {size.width}×{size.height}"


class TooSmallScreen(Screen[None]):
    """Covers every screen while the terminal is too small; the shell removes it once it is large
    enough, and the screens under it come back as they were (a half-typed form included).

    Its only key is quit: the section keys, back and log out are off while it is shown."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", priority=True)]

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(notice(self.app.size), id="too-small-notice", markup=False)
            yield Static("Enlarge the terminal to go on, or ctrl+q to quit.", id="too-small-hint", markup=False)

    def on_resize(self) -> None:
        self.query_one("#too-small-notice", Static).update(notice(self.app.size))

    def on_screen_resume(self) -> None:
        # A dialog opened over the notice (a worker's answer) and closed after the terminal grew.
        if not too_small(self.app.size):
            self.app.call_later(self.dismiss)
