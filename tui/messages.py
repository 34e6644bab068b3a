"""Messages screens send to the shell (the app), so screens never need the app's class."""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from domain.errors import DatabaseUnavailable, SessionExpired


class SessionEnded(Message):
    """The session token was refused: the shell asks for the password again or shows the login screen.

    `retry` starts again the work that was refused (None when there is none to resume).
    """

    def __init__(self, error: SessionExpired, retry: Callable[[], object] | None = None) -> None:
        super().__init__()
        self.error = error
        self.retry = retry

    @property
    def reason(self) -> str:
        return self.error.message


class UnexpectedError(Message):
    """A bug was caught and logged under `error_id`: the shell tells the user which id to quote."""

    def __init__(self, error_id: str) -> None:
        super().__init__()
        self.error_id = error_id


class DatabaseDown(Message):
    """A database did not answer: tell the user which one and how to fix it."""

    def __init__(self, error: DatabaseUnavailable) -> None:
        super().__init__()
        self.error = error


class OpenSection(Message):
    """Open the section bound to digit `key` (the shell checks the role)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
