"""One learner's progress (the brief's /users/:id/progress): challenges, badges, timeline, score, chart.

A learner sees their own and takes steps (start, update %, complete); staff see the
learner they picked and record progress, reset it, award and revoke badges. Only the
keys of the viewer's kind are shown; the services check again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Static

from domain.models.badges import AwardState
from domain.models.progress import ProgressStatus
from domain.models.users import Principal, Role
from tui.controllers.choices import Choice
from tui.controllers.progress import (
    CHALLENGE_COLUMNS,
    TIMELINE_COLUMNS,
    ChallengeLine,
    ProgressController,
    ProgressView,
    StepResult,
)
from tui.refusals import STILL_LOADING
from tui.screens.base import deliver
from tui.screens.confirm import ConfirmDialog
from tui.screens.paged_list import PAGE_BINDINGS, PagedListScreen
from tui.screens.picker import PickerDialog
from tui.screens.step_dialog import StepDialog, StepForm
from tui.text import notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter
from tui.widgets.tables import fill_table, row_at_cursor
from tui.widgets.weekly_chart import WeeklyChart

LEARNER_ACTIONS = frozenset({"start", "update", "complete"})
STAFF_ACTIONS = frozenset({"record", "reset", "award", "revoke"})
STATUS_STYLES = {ProgressStatus.COMPLETED: "green", ProgressStatus.STARTED: "", ProgressStatus.RESET: "dim"}
STATE_STYLES = {AwardState.ACTIVE: "bold green", AwardState.EXPIRED: "yellow", AwardState.REVOKED: "red strike"}


class ProgressScreen(PagedListScreen):
    """The progress of one learner; `[` and `]` page through their timeline."""

    TITLE = "Progress"
    TABLE_ID = "progress-timeline"
    PAGE_LABEL_ID = "progress-timeline-page"
    PAGE_GROUP = "progress-view"
    AUTO_FOCUS = "#progress-challenges"

    # Learners and staff share `u`: only one of the two is active for a given viewer.
    BINDINGS = [
        Binding("s", "start", "Start", id="progress-start"),
        Binding("u", "update", "Update %", id="progress-update"),
        Binding("c", "complete", "Complete", id="progress-complete"),
        Binding("u", "record", "Record %", id="progress-record"),
        Binding("z", "reset", "Reset", id="progress-reset"),
        Binding("w", "award", "Award", id="progress-award"),
        Binding("v", "revoke", "Revoke", id="progress-revoke"),
        *PAGE_BINDINGS,
    ]

    def __init__(self, controller: ProgressController, viewer: Callable[[], Principal | None]) -> None:
        super().__init__()
        self.controller = controller
        self.viewer = viewer
        self.view: ProgressView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="progress-summary", markup=False)
        with Horizontal(id="progress-top"):
            yield WeeklyChart(id="progress-chart")
            with Vertical(id="progress-score"):
                yield Static("", id="progress-score-total", markup=False)
                yield Static("", id="progress-score-parts", markup=False)
        yield Static("", id="progress-badges", markup=False)
        yield Static("Challenges", classes="progress-label", markup=False)
        yield FitTable(id="progress-challenges", flexible=("Challenge", "Category"))
        with Horizontal(classes="progress-bar"):
            yield Static("Timeline, newest first", classes="progress-label", markup=False)
            yield Static("", id="progress-timeline-page", classes="list-page", markup=False)
        yield FitTable(id="progress-timeline", flexible=("Challenge", "By", "Reason"))
        yield ShellFooter()

    def on_mount(self) -> None:
        self.challenges_table.add_columns(*CHALLENGE_COLUMNS)
        self.table.add_columns(*TIMELINE_COLUMNS)
        self.challenges_table.focus()
        self.load_first_page()

    @property
    def challenges_table(self) -> DataTable[Text]:
        return self.query_one("#progress-challenges", DataTable)

    # -- loading ---------------------------------------------------------------------------

    def read_page(self, number: int) -> Callable[[], None]:
        return partial(self.show_view, self.controller.view(number))

    def show_view(self, view: ProgressView) -> None:
        keep = self.selected_challenge
        self.view = view
        if self.controller.for_staff:
            self.title = f"Progress · {view.name}"
        self.query_one("#progress-summary", Static).update(view.summary)
        self.query_one(WeeklyChart).show(view.weeks, view.weekly_points)
        self.query_one("#progress-score-total", Static).update(Text(f"Score {view.score.total}", style="bold"))
        self.query_one("#progress-score-parts", Static).update(_score_parts(view))
        self.query_one("#progress-badges", Static).update(_badges(view))
        fill_table(self.challenges_table,
                   ((_challenge_cells(line), str(line.challenge_id)) for line in view.challenges),
                   select=None if keep is None else str(keep.challenge_id))
        fill_table(self.table, [([Text(cell) for cell in cells], None) for cells in view.timeline])
        self.page_loaded(view.timeline_info)

    # -- selection ---------------------------------------------------------------------------

    @property
    def selected_challenge(self) -> ChallengeLine | None:
        """The challenge under the challenges table's cursor."""
        return row_at_cursor(self.challenges_table, self.view.challenges) if self.view is not None else None

    @on(DataTable.RowHighlighted)
    def _row_changed(self) -> None:
        self.refresh_bindings()

    def _is_learner_view(self) -> bool:
        viewer = self.viewer()
        return not self.controller.for_staff and viewer is not None and viewer.role is Role.LEARNER

    def _is_staff_view(self) -> bool:
        viewer = self.viewer()
        return self.controller.for_staff and viewer is not None and viewer.is_staff

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LEARNER_ACTIONS and not self._is_learner_view():
            return False
        if action in STAFF_ACTIONS and not self._is_staff_view():
            return False
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action not in LEARNER_ACTIONS | STAFF_ACTIONS:
            return super().why_not(action, parameters)
        view = self.view
        if view is None:
            return STILL_LOADING
        if action in ("update", "complete", "reset"):
            line = self.selected_challenge
            if line is None:
                return view.no_challenge(own=action != "reset")
            return line.reset_refusal if action == "reset" else line.step_refusal
        return view.revoke_refusal if action == "revoke" else None

    # -- learner steps -----------------------------------------------------------------------

    def action_start(self) -> None:
        view = self.view
        if view is None:
            return
        taken = view.taken

        def picked(choice: Choice | None) -> None:
            if choice is not None:
                self.run_step(lambda: self.controller.start(choice.value))

        self.app.push_screen(PickerDialog(
            "Start a challenge", "Active challenges you have not started or completed.",
            lambda search: self.controller.startable(search, taken), "No challenge to start matches."), picked)

    def action_update(self) -> None:
        line = self.selected_challenge
        if line is None:
            return
        self._open_step(StepForm(
            title="Update progress", intro=f"How far are you in “{line.title}”? 100 completes it.",
            submit=lambda _choice, percent: self.controller.update(str(line.challenge_id), percent),
            value_label="Percent", value_field="percent", value_placeholder="0 to 100",
            check=self.controller.check_percent,
            warn=lambda _choice, percent: line.lower_warning(percent), warn_title="Lower than before",
        ))

    def action_complete(self) -> None:
        line = self.selected_challenge
        if line is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_step(lambda: self.controller.complete(str(line.challenge_id)))

        question = f"Mark “{line.title}” as completed? Its points count at once; only a trainer can reset it."
        self.app.push_screen(ConfirmDialog("Complete challenge", question, "Complete"), answered)

    # -- staff steps -------------------------------------------------------------------------

    def action_record(self) -> None:
        view, line = self.view, self.selected_challenge
        if view is None:
            return
        self._open_step(StepForm(
            title="Record progress", intro=f"Record {view.name}'s progress; 100 completes the challenge.",
            submit=self.controller.record, value_label="Percent", value_field="percent",
            value_placeholder="0 to 100", check=self.controller.check_percent,
            choice_label="Challenge", choice_field="challenge_id", choices=self.controller.challenge_choices,
            selected=str(line.challenge_id) if line else None, submit_label="Record",
            warn=view.lower_warning, warn_title="Lower than before",
        ))

    def action_reset(self) -> None:
        view, line = self.view, self.selected_challenge
        if view is None or line is None:
            return
        self._open_step(StepForm(
            title="Reset progress",
            intro=(f"Put “{line.title}” back to 0 % for {view.name}? The points it earned stop counting, "
                   "and a badge whose rule is no longer met is taken back."),
            submit=lambda _choice, reason: self.controller.reset(line, reason), value_label="Reason",
            value_field="reason", value_placeholder="3 to 300 characters, kept in the history",
            submit_label="Reset",
        ))

    def action_award(self) -> None:
        view = self.view
        if view is None:
            return
        self._open_step(StepForm(
            title="Award a badge", intro=f"Award a badge to {view.name} by hand, whatever its rule says.",
            submit=self.controller.award, value_label="Reason", value_field="reason",
            value_placeholder="3 to 300 characters", choice_label="Badge", choice_field="code",
            choices=self.controller.badge_choices, submit_label="Award",
        ))

    def action_revoke(self) -> None:
        view = self.view
        if view is None:
            return
        held = view.held_badges()
        self._open_step(StepForm(
            title="Revoke a badge", intro=f"Revoke one of {view.name}'s badges: its bonus stops counting.",
            submit=self.controller.revoke, value_label="Reason", value_field="reason",
            value_placeholder="3 to 300 characters", choice_label="Badge", choice_field="code",
            choices=lambda: held, selected=held[0].value if held else None, submit_label="Revoke",
        ))

    # -- running steps -------------------------------------------------------------------------

    def _open_step(self, form: StepForm) -> None:
        def done(result: StepResult | None) -> None:
            if result is not None:
                self.step_done(result)

        self.app.push_screen(StepDialog(form), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="progress-step")
    def run_step(self, step: Callable[[], StepResult]) -> None:
        deliver(self, self.step_done, step())

    def step_done(self, result: StepResult) -> None:
        """Tell what happened (and any warning or new badge), then show the new state."""
        notify_literal(self, result.message, title="Progress")
        if result.warning:
            notify_literal(self, result.warning, title="History not synced yet", severity="warning", timeout=15)
        for badge in result.new_badges:
            notify_literal(self, f"New badge: {badge}", title="Badge earned")
        for badge in result.lost_badges:
            notify_literal(self, f"Badge taken back: {badge}", title="Badge no longer met", severity="warning")
        self.reload()


def _challenge_cells(line: ChallengeLine) -> tuple[Text, ...]:
    title, category, status, done, earned = line.cells
    return (Text(title), Text(category), Text(status, style=STATUS_STYLES[line.status]), Text(done, justify="right"),
            Text(earned, justify="right"))


def _badges(view: ProgressView) -> Text:
    """The badges on one or two lines, each state with its own mark and colour."""
    if not view.badges:
        return Text("Badges: none yet", style="dim")
    text = Text("Badges: ", style="bold")
    for index, badge in enumerate(view.badges):
        if index:
            text.append(" · ", style="dim")
        text.append(badge.label, style=STATE_STYLES[badge.state])
    return text


def _score_parts(view: ProgressView) -> Text:
    """The breakdown one part a line, aligned on the numbers: "= 200 challenges", "+  25 badges"."""
    width = max(len(str(value)) for _, value in view.score.parts)
    lines = [f"{'+' if i else '='} {value:>{width}} {label}" for i, (label, value) in enumerate(view.score.parts)]
    return Text("\n".join(lines))
