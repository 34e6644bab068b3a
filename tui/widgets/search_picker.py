"""A search field over a list of choices that a callable loads in a thread worker."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from domain.errors import SkillHubError
from tui.controllers.choices import Choice
from tui.screens.base import RoutesWorkerErrors, deliver


class SearchPicker(RoutesWorkerErrors, Widget):
    """Type to narrow, enter to search, pick with the arrows and enter; posts `Picked`."""

    DEFAULT_CSS = """
    SearchPicker {
        layout: vertical;
        height: 1fr;

        & > Input { margin-bottom: 1; }
        & > OptionList { height: 1fr; }
        & > .search-picker--status { color: $text-muted; height: 1; }
    }
    """

    class Picked(Message):
        """The user chose `choice`."""

        def __init__(self, picker: SearchPicker, choice: Choice) -> None:
            super().__init__()
            self.picker = picker
            self.choice = choice

        @property
        def control(self) -> SearchPicker:
            return self.picker

    def __init__(self, load: Callable[[str], Sequence[Choice]], placeholder: str, empty: str,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._load = load
        self._placeholder = placeholder
        self._empty = empty
        self._choices: dict[str, Choice] = {}

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self._placeholder, compact=True, classes="search-picker--search")
        yield OptionList(compact=True, markup=False)
        yield Static("Loading…", classes="search-picker--status", markup=False)

    def on_mount(self) -> None:
        self.search("")

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    def focus_search(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search-picker")
    def search(self, text: str) -> None:
        """Load the choices matching `text` (from a thread) and show them."""
        deliver(self, self._show, self._load(text.strip()))

    def _show(self, choices: Sequence[Choice]) -> None:
        self._choices = {choice.value: choice for choice in choices}
        options = self.options
        options.clear_options()
        options.add_options(Option(Text(choice.label), id=choice.value) for choice in choices)
        self.query_one(".search-picker--status", Static).update(
            self._empty if not choices else f"{len(choices)} shown · enter to pick")
        if choices:
            options.highlighted = 0
            options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = self._choices.get(event.option.id or "")
        if choice is not None:
            self.post_message(self.Picked(self, choice))

    def show_error(self, error: SkillHubError) -> None:
        self.query_one(".search-picker--status", Static).update(error.message)
