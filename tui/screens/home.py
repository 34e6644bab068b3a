"""Home: who you are, your role, and the sections you may open (greyed when you may not)."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from tui.controllers.home import HomeController, HomeView
from tui.messages import OpenSection
from tui.screens.base import ShellScreen, deliver
from tui.widgets.shell_footer import ShellFooter


class HomeScreen(ShellScreen):
    """The screen after login; every digit key comes back here with `1`."""

    TITLE = "Home"
    BINDINGS = [Binding("k", "ssh_keys", "SSH keys", id="home-ssh-keys")]

    def __init__(self, controller: HomeController, open_keys: Callable[[], Screen[None]] | None = None) -> None:
        super().__init__()
        self.controller = controller
        self.open_keys = open_keys

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static("", id="home-who", markup=False)
            yield Static("", id="home-role", markup=False)
            yield Static("Sections — press the digit, or choose one and press enter:", id="home-sections-title",
                         markup=False)
            yield OptionList(id="home-sections", markup=False)
        yield ShellFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="home")
    def load(self) -> None:
        deliver(self, self.show_view, self.controller.overview())

    def show_view(self, view: HomeView) -> None:
        self.query_one("#home-who", Static).update(f"{view.name} <{view.email}> · {view.today}")
        self.query_one("#home-role", Static).update(f"Role: {view.role} — {view.role_summary}")
        sections = self.query_one("#home-sections", OptionList)
        sections.clear_options()
        sections.add_options(
            Option(f"{line.key}  {line.title:<14} {line.note}", id=line.key, disabled=not line.allowed)
            for line in view.sections
        )
        sections.highlighted = 0
        sections.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "ssh_keys":
            return self.open_keys is not None
        return True

    def action_ssh_keys(self) -> None:
        """Your own SSH public keys, for logging in to `skillhub ssh serve` without a password."""
        if self.open_keys is not None:
            self.app.push_screen(self.open_keys())

    @on(OptionList.OptionSelected, "#home-sections")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.app.post_message(OpenSection(event.option.id))
