"""Fixtures for the TUI tests: the app on the real test servers, and Pilot helpers."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled, WorkerFailed

from domain.clock import fixed_clock
from domain.infrastructure.logfile import FILE_ONLY
from domain.services.container import Services
from tests.conftest import NOW, TEST_PASSWORD
from tui.app import SkillHubApp

# Textual read its constants when pytest-textual-snapshot imported it, so the app below
# also sets its animation level; the variable still reaches any subprocess.
os.environ["TEXTUAL_ANIMATIONS"] = "none"


def build_app(services: Services) -> SkillHubApp:
    """The app as every TUI test runs it: fixed clock, no animation, no cursor blink."""
    app = SkillHubApp(services, clock=fixed_clock(NOW), cursor_blink=False)
    app.animation_level = "none"
    return app


@pytest.fixture
def app(services: Services) -> SkillHubApp:
    return build_app(services)


class _Reported(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, FILE_ONLY, False):
            self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def no_unexpected_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test whose app caught a bug: the app now shows it in a dialog and goes on, so
    without this a broken screen would pass. Tests that inject bugs are marked
    `expects_unexpected_errors`."""
    reported = _Reported()
    logger = logging.getLogger("skillhub")
    logger.addHandler(reported)
    try:
        yield
    finally:
        logger.removeHandler(reported)
    if reported.messages and request.node.get_closest_marker("expects_unexpected_errors") is None:
        pytest.fail("unexpected errors were reported: " + "; ".join(reported.messages))


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and the screen has caught up (a worker's result can start another).

    A worker that raised is part of the story (the screen shows its error), so its
    WorkerFailed is not re-raised here as `app.workers.wait_for_complete()` would.
    """
    app = pilot.app
    for _ in range(20):
        for worker in list(app.workers):
            with contextlib.suppress(WorkerFailed, WorkerCancelled):
                await worker.wait()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            return
    raise AssertionError("workers kept running")


async def log_in(pilot: Pilot[None], email: str, password: str = TEST_PASSWORD) -> None:
    """Fill the login form, press enter in the password field, wait for the next screen.

    The fields are filled directly (typing key by key costs ~60 ms a key); the create-user
    flow types its form key by key.
    """
    await settle(pilot)
    screen = pilot.app.screen
    screen.query_one("#email", Input).value = email
    password_field = screen.query_one("#password", Input)
    password_field.value = password
    password_field.focus()
    await pilot.press("enter")
    await settle(pilot)
