"""SkillHub's one picker: a search field over the choices a callable loads in a thread worker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from domain.errors import SkillHubError
from tui.controllers.choices import Choice
from tui.screens.base import RoutesWorkerErrors, deliver
from tui.widgets.searching import SEARCH_PAUSE, no_match

Status = Callable[[Sequence[Choice]], str]


def count_shown(choices: Sequence[Choice]) -> str:
    """The status line under a list of choices that is not empty: how many, and how to pick."""
    return f"{len(choices)} shown · enter to pick"


class SearchPicker(RoutesWorkerErrors, Widget):
    """Type to narrow, pick with the arrows and enter; posts `Picked` with an available choice.

    The matches load as the search is typed, once typing pauses (SEARCH_PAUSE). Enter in
    the field: by default loads the matches at once and moves to the list; `live`, it picks
    the one match (or says why it cannot be picked) or moves to the list. A choice with a
    `refusal` is shown greyed with its note, and never picked. Under the list, a status line
    says `empty` when there is nothing to choose, "No match for …" when a search finds
    nothing, else what `status` says of the choices. With an id, the parts get ids too:
    `<id>-search`, `<id>-options`, `<id>-status`.
    """

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

    def __init__(self, load: Callable[[str], Sequence[Choice]], placeholder: str, empty: str, *,
                 live: bool = False, status: Status = count_shown,
                 on_error: Callable[[SkillHubError], None] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._load = load
        self._placeholder = placeholder
        self._empty = empty
        self._live = live
        self._status = status
        # Where a failed search is said: the status line, unless the owner says otherwise.
        self._on_error = on_error
        self._choices: dict[str, Choice] = {}
        # The search the choices shown answer: enter picks a single match only if it is current.
        self._shown_for: str | None = None
        # Whether the next choices shown take the focus (after enter, not while typing).
        self._then_to_list = False

    def compose(self) -> ComposeResult:
        part = (lambda name: f"{self.id}-{name}") if self.id else (lambda name: None)
        yield Input(placeholder=self._placeholder, compact=True, classes="search-picker--search", id=part("search"))
        yield OptionList(compact=True, markup=False, id=part("options"))
        yield Static("Loading…", classes="search-picker--status", markup=False, id=part("status"))

    def on_mount(self) -> None:
        # By default the first choices take the focus, as enter's do; a live picker keeps it in its field.
        self._then_to_list = not self._live
        self.search("")

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    def focus_search(self) -> None:
        self.query_one(Input).focus()

    def say(self, text: str) -> None:
        """Put `text` on the status line under the list."""
        self.query_one(".search-picker--status", Static).update(text)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._search_after_pause(event.value)

    @work(exclusive=True, exit_on_error=False, group="search-picker-pause")
    async def _search_after_pause(self, text: str) -> None:
        # Each key typed starts this again (exclusive), cancelling the wait of the one before.
        await asyncio.sleep(SEARCH_PAUSE)
        self.search(text)

    @on(Input.Submitted)
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self._live:
            self.workers.cancel_group(self, "search-picker-pause")
            self._then_to_list = True
            self.search(event.value)
            return
        shown = list(self._choices.values())
        if len(shown) == 1 and self._shown_for == event.value:
            self._pick(shown[0])
        else:
            self.to_list()

    @work(thread=True, exclusive=True, exit_on_error=False, group="search-picker")
    def search(self, text: str) -> None:
        """Load the choices matching `text` (from a thread) and show them."""
        deliver(self, self._show, self._load(text.strip()), text)

    def _show(self, choices: Sequence[Choice], text: str = "") -> None:
        self._choices = {choice.value: choice for choice in choices}
        self._shown_for = text
        options = self.options
        options.clear_options()
        options.add_options(Option(Content(choice.text), id=choice.value, disabled=not choice.available)
                            for choice in choices)
        first = next((index for index, choice in enumerate(choices) if choice.available), None)
        options.highlighted = first
        self.say(self._status_of(choices))
        if first is not None and self._then_to_list:
            options.focus()
        self._then_to_list = False

    def _status_of(self, choices: Sequence[Choice]) -> str:
        if choices:
            return self._status(choices)
        return no_match(self._shown_for.strip()) if self._shown_for and self._shown_for.strip() else self._empty

    def to_list(self) -> None:
        """Move to the list, or say why there is nothing there to pick."""
        options = self.options
        if options.highlighted is None:
            self.say(self._status_of(list(self._choices.values())))
        else:
            options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = self._choices.get(event.option.id or "")
        if choice is not None:
            self._pick(choice)

    def _pick(self, choice: Choice) -> None:
        if choice.refusal is None:
            self.post_message(self.Picked(self, choice))
        else:
            self.say(choice.refusal)

    def show_error(self, error: SkillHubError) -> None:
        if self._on_error is not None:
            self._on_error(error)
        else:
            self.say(error.message)
