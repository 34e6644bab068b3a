"""One workshop in full for a learner, opened from the catalogue: what, when, where, who, seats, their place.

Register (`r`) and cancel (`c`) go through the same controller and services as the
catalogue's keys, so the same rules refuse them with the same reasons.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from tui.controllers.catalog import CatalogController, WorkshopDetail
from tui.controllers.registrations import Outcome
from tui.refusals import STILL_LOADING, GreysRefusedActions
from tui.screens.base import ShellScreen, deliver
from tui.screens.confirm import ConfirmDialog
from tui.text import notify_literal
from tui.widgets.shell_footer import ShellFooter

FACT_LABEL_WIDTH = 10


def confirm_cancel(title: str) -> ConfirmDialog:
    """The question a learner answers before cancelling their registration for the workshop `title`."""
    question = f"Cancel your registration for {title}? Your seat or waitlist place goes to someone else."
    return ConfirmDialog("Cancel my registration", question, "Cancel it")


class WorkshopDetailScreen(GreysRefusedActions, ShellScreen):
    """The learner's view of one workshop; the catalogue reloads when it is left."""

    TITLE = "Workshop"
    AUTO_FOCUS = "#detail-body"

    BINDINGS = [
        Binding("r", "register", "Register", id="detail-register"),
        Binding("c", "cancel_registration", "Cancel my registration", id="detail-cancel"),
    ]

    def __init__(self, controller: CatalogController, workshop_id: int) -> None:
        super().__init__()
        self.controller = controller
        self.workshop_id = workshop_id
        self.detail: WorkshopDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="detail-body", can_focus=True):
            yield Static("Loading…", id="detail-title", markup=False)
            yield Static("", id="detail-facts", markup=False)
            yield Static("", id="detail-status", markup=False)
            yield Static("", id="detail-description", markup=False)
        yield ShellFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail-load")
    def load(self) -> None:
        deliver(self, self.show, self.controller.detail(self.workshop_id))

    def show(self, detail: WorkshopDetail) -> None:
        self.detail = detail
        self.sub_title = detail.title
        self.query_one("#detail-title", Static).update(Text(detail.title))
        facts = Text()
        for index, (label, value) in enumerate(detail.facts):
            if index:
                facts.append("\n")
            facts.append(f"{label:<{FACT_LABEL_WIDTH}}", style="dim")
            facts.append(value)
        self.query_one("#detail-facts", Static).update(facts)
        self.query_one("#detail-status", Static).update(Text(detail.my_status))
        self.query_one("#detail-description", Static).update(Text(detail.description))
        self.refresh_bindings()

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action not in ("register", "cancel_registration"):
            return None
        if self.detail is None:
            return STILL_LOADING
        return self.detail.register_refusal if action == "register" else self.detail.cancel_refusal

    def action_register(self) -> None:
        if self.detail is not None and self.detail.can_register:
            self.apply_change(lambda: self.controller.register(self.workshop_id))

    def action_cancel_registration(self) -> None:
        detail = self.detail
        if detail is None or not detail.can_cancel:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.apply_change(lambda: self.controller.cancel(self.workshop_id))

        self.app.push_screen(confirm_cancel(detail.title), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail-change")
    def apply_change(self, change: Callable[[], Outcome]) -> None:
        outcome = change()
        deliver(self, self._changed, outcome, self.controller.detail(self.workshop_id))

    def _changed(self, outcome: Outcome, detail: WorkshopDetail) -> None:
        notify_literal(self, outcome.message, title="Workshops", severity="information" if outcome.synced else "warning")
        self.show(detail)
