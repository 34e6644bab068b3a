"""What every SkillHub screen shares: how errors from its workers reach the user.

A screen runs each controller call in a thread worker that *raises* domain errors;
`on_worker_state_changed` routes them on the UI thread:
- SessionExpired → the shell logs out locally and shows the login screen with the reason;
- DatabaseUnavailable → the shell shows which database, the detail and the hint;
- any other SkillHubError → the screen's `show_error` (inline, or a notification);
- anything else is a bug: logged with its traceback, and the user gets one line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState, get_current_worker

from domain.errors import DatabaseUnavailable, SessionExpired, SkillHubError
from tui.messages import DatabaseDown, SessionEnded
from tui.text import notify_literal

log = logging.getLogger("skillhub.tui")

ResultType = TypeVar("ResultType")


def deliver(node: DOMNode, apply: Callable[..., Any], *args: Any) -> None:
    """From a worker thread: run `apply(*args)` on the UI thread, unless the worker was superseded."""
    if not get_current_worker().is_cancelled:
        node.app.call_from_thread(apply, *args)


def route_error(node: DOMNode, error: BaseException | None, show_error: Callable[[SkillHubError], None]) -> None:
    """Send a worker's error to whoever must show it (see the module docstring)."""
    if error is None:
        return
    if isinstance(error, SessionExpired):
        node.app.post_message(SessionEnded(error.message))
    elif isinstance(error, DatabaseUnavailable):
        node.app.post_message(DatabaseDown(error))
    elif isinstance(error, SkillHubError):
        show_error(error)
    else:
        log.error("unexpected error in a worker of %r", node, exc_info=error)
        node.app.notify(f"Something went wrong: {error.__class__.__name__}. Details are in the log.",
                        title="Unexpected error", severity="error")


class ShellScreen(Screen[None]):
    """Base of full screens: routes worker errors; `show_error` defaults to a notification."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            route_error(self, event.worker.error, self.show_error)

    def show_error(self, error: SkillHubError) -> None:
        notify_literal(self, error.message, severity="error")


class ShellDialog(ModalScreen[ResultType]):
    """Base of dialogs: routes worker errors like ShellScreen does."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            route_error(self, event.worker.error, self.show_error)

    def show_error(self, error: SkillHubError) -> None:
        notify_literal(self, error.message, severity="error")


# A priority binding, so the focus moves before the next typed key is delivered: with
# Input.Submitted the move happens a message later, and fast typing (or a burst of keys
# over SSH) would land in the field just left.
ENTER_IN_FORM = Binding("enter", "enter_in_form", show=False, priority=True)


class SubmitsOnEnter:
    """Mixin for form screens (put ENTER_IN_FORM in BINDINGS): enter in a text field moves to
    the next field, and in the field named SUBMIT_FIELD it submits; elsewhere enter is untouched."""

    SUBMIT_FIELD: ClassVar[str]
    # Each form defines it: send the form.
    submit: Callable[[], None]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enter_in_form":
            return isinstance(self._screen.focused, Input)
        return True

    def action_enter_in_form(self) -> None:
        focused = self._screen.focused
        if focused is not None and focused.id == self.SUBMIT_FIELD:
            # Keys typed just before enter may still wait in the field's queue: submit after them.
            focused.call_later(self.submit)
        else:
            self._screen.focus_next()

    @property
    def _screen(self) -> Screen[Any]:
        assert isinstance(self, Screen)
        return self
