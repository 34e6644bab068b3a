"""Messages screens send to the shell (the app), so screens never need the app's class."""

from __future__ import annotations

from textual.message import Message

from domain.errors import DatabaseUnavailable


class SessionEnded(Message):
    """The session token was refused: back to the login screen with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


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
