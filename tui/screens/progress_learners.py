"""Progress for staff: pick a learner (search by name or email), then see their progress."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static

from domain.models.users import Principal
from tui.controllers.choices import chosen_id
from tui.controllers.progress import LearnerFinder
from tui.screens.base import ShellScreen
from tui.widgets.search_picker import SearchPicker
from tui.widgets.shell_footer import ShellFooter


class ProgressLearnersScreen(ShellScreen):
    """Staff's way into Progress: a learner list, and the keys to the challenge and badge catalogues."""

    TITLE = "Progress"

    BINDINGS = [
        Binding("slash", "search", "Search", id="learners-search"),
        Binding("h", "challenges", "Challenges", id="learners-challenges"),
        Binding("b", "badges", "Badges", id="learners-badges"),
    ]

    def __init__(self, finder: LearnerFinder, viewer: Callable[[], Principal | None],
                 open_learner: Callable[[int], Screen[None]], open_challenges: Callable[[], Screen[None]],
                 open_badges: Callable[[], Screen[None]]) -> None:
        super().__init__()
        self.finder = finder
        self.viewer = viewer
        self.open_learner = open_learner
        self.open_challenges = open_challenges
        self.open_badges = open_badges

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Pick a learner to see and record their progress.", id="learners-intro", classes="hint",
                     markup=False)
        yield SearchPicker(self.finder.find, "/ search name or email", "No active learner matches.",
                           id="learners")
        yield ShellFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("challenges", "badges"):
            viewer = self.viewer()
            return viewer is not None and viewer.is_staff
        return True

    def action_search(self) -> None:
        self.query_one(SearchPicker).focus_search()

    @on(SearchPicker.Picked)
    def _picked(self, event: SearchPicker.Picked) -> None:
        self.app.push_screen(self.open_learner(chosen_id(event.choice.value, "learner_id", "Pick a learner.")))

    def action_challenges(self) -> None:
        self.app.push_screen(self.open_challenges())

    def action_badges(self) -> None:
        self.app.push_screen(self.open_badges())
