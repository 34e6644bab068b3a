"""What every SkillHub screen shares: how errors reach the user.

A screen runs each controller call in a thread worker that *raises* domain errors;
`on_worker_state_changed` routes them on the UI thread:
- SessionExpired → the shell asks for the password again over the current screen (the work
  is started again once it is given) or shows the login screen with the reason;
- DatabaseUnavailable → the shell shows which database, the detail and the hint;
- any other SkillHubError → the screen's `show_error` (inline, or a notification);
- anything else is a bug: logged with its traceback under a short id, and the shell shows
  the id and the log file in a dialog; the screen stays usable.

A bug in a message handler of the app, a screen or a dialog is caught the same way
(`ReportsBugs`), instead of Textual's default of closing the app with a traceback.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState, get_current_worker

from domain.errors import DatabaseUnavailable, SessionExpired, SkillHubError
from domain.infrastructure.logfile import log_unexpected
from tui.messages import DatabaseDown, SessionEnded, UnexpectedError
from tui.text import notify_literal
from tui.widgets.shell_footer import ShellFooter

log = logging.getLogger("skillhub.tui")

ResultType = TypeVar("ResultType")


def deliver(node: DOMNode, apply: Callable[..., Any], *args: Any) -> None:
    """From a worker thread: run `apply(*args)` on the UI thread, unless the worker was superseded."""
    if not get_current_worker().is_cancelled:
        node.app.call_from_thread(apply, *args)


def route_error(node: DOMNode, error: BaseException | None, show_error: Callable[[SkillHubError], None],
                worker: Worker[Any] | None = None) -> None:
    """Send a worker's error to whoever must show it (see the module docstring)."""
    if error is None:
        return
    if isinstance(error, SessionExpired):
        node.app.post_message(SessionEnded(error, replay(worker) if worker is not None else None))
    elif isinstance(error, DatabaseUnavailable):
        node.app.post_message(DatabaseDown(error))
    elif isinstance(error, SkillHubError):
        show_error(error)
    else:
        where = f"in worker {worker.name!r} (group {worker.group!r})" if worker is not None else "in a worker"
        report_unexpected(node, error, where)


def report_unexpected(node: DOMNode, error: BaseException, where: str) -> str:
    """Log a bug with its traceback and context under a new id, and have the shell show the id."""
    error_id = log_unexpected(error, f"{where} of {_describe(node)}", log)
    node.app.post_message(UnexpectedError(error_id))
    return error_id


def _describe(node: DOMNode) -> str:
    try:
        screen = node.screen
    except Exception:  # noqa: BLE001 - a detached widget has no screen; the name is enough
        return type(node).__name__
    name = type(node).__name__
    return name if screen is node else f"{name} on {type(screen).__name__}"


def replay(worker: Worker[Any]) -> Callable[[], object] | None:
    """Something that starts `worker`'s work again on the same node, if that node is still shown."""
    # Textual keeps what a worker runs in `_work` (a partial of the decorated method and its
    # arguments for @work); Textual is pinned to one version, and a Pilot test pins this.
    work = getattr(worker, "_work", None)
    if work is None or inspect.isawaitable(work):
        return None
    node = worker.node

    def again() -> object:
        if not _still_shown(node):
            return None
        return node.run_worker(work, name=worker.name, group=worker.group, description=worker.description,
                               exit_on_error=worker.exit_on_error, thread=getattr(worker, "_thread_worker", True))

    return again


def _still_shown(node: DOMNode) -> bool:
    if node is node.app:
        return True
    if not node.is_attached:
        return False
    try:
        return node.screen in node.app.screen_stack
    except Exception:  # noqa: BLE001 - no screen any more
        return False


class ReportsBugs:
    """Mixin for SkillHub's app, screens and dialogs: a bug in a message handler is reported, not fatal.

    Textual hands such an exception to `App._handle_exception`, which stops the node's message
    loop and closes the app with a traceback. Here it is logged under an id, the id is shown,
    and the node goes on with its next message. Compose and Mount are left to Textual: a
    screen that could not be built cannot go on.
    """

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except Exception as error:
            if isinstance(message, (events.Compose, events.Mount)):
                raise
            assert isinstance(self, DOMNode)
            report_unexpected(self, error, f"handling {type(message).__name__}")


class RoutesWorkerErrors:
    """Mixin for whatever runs thread workers (screens, dialogs, widgets): a worker's error goes
    through `route_error`, and the SkillHubErrors it leaves to this node reach `show_error`."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            assert isinstance(self, DOMNode)
            route_error(self, event.worker.error, self.show_error, event.worker)

    def show_error(self, error: SkillHubError) -> None:
        """Say what went wrong; by default a notification (forms and pickers say it in place)."""
        assert isinstance(self, DOMNode)
        notify_literal(self, error.message, severity="error")


class ShellScreen(ReportsBugs, RoutesWorkerErrors, Screen[None]):
    """Base of full screens: bugs reported, worker errors routed (`show_error` defaults to a notification)."""


class ShowsOwnKeys:
    """Mixin for dialogs: a footer of the dialog's own keys (ctrl+s save, esc cancel) over the one behind."""

    def on_mount(self) -> None:
        assert isinstance(self, Screen)
        self.mount(ShellFooter())


class ShellDialog(ShowsOwnKeys, ReportsBugs, RoutesWorkerErrors, ModalScreen[ResultType]):
    """Base of dialogs (`ModalScreen[T]` dismissed with a T): bugs reported, worker errors routed as on screens."""


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
