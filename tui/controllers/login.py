"""Login, and re-authentication after a session ended: check the credentials, keep the session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.errors import AuthenticationFailed
from tui.controllers.session import SessionKeeper

if TYPE_CHECKING:
    from domain.services.auth import AuthService

MISSING_CREDENTIALS = "Enter your email and your password."
MISSING_PASSWORD = "Enter your password."


@dataclass(frozen=True)
class Welcome:
    """Who just logged in, to greet them."""

    name: str
    role: str


class LoginController:
    """Turns the login form into a session, or an AuthenticationFailed to show."""

    def __init__(self, auth: AuthService | Callable[[], AuthService], session: SessionKeeper) -> None:
        # A function when the app starts before its services: it waits for them (see ServicesStartup),
        # so a login sent early is answered once they are ready.
        self._auth_of: Callable[[], AuthService] = auth if callable(auth) else (lambda: auth)
        self._session = session

    def sign_in(self, email: str, password: str) -> Welcome:
        # An empty form is a typing slip, not a login attempt: it is not sent nor recorded.
        if not email.strip() or not password:
            raise AuthenticationFailed(MISSING_CREDENTIALS)
        session = self._auth_of().login(email, password, source="tui")
        self._session.begin(session)
        return Welcome(session.principal.full_name, session.principal.role.value)


class ReauthController:
    """The re-authentication dialog's side: the same person's password resumes their work."""

    def __init__(self, session: SessionKeeper) -> None:
        self._session = session
        principal = session.principal
        # Who the ended session belonged to (the last principal validated).
        self.email = principal.email if principal is not None else ""
        self.role = principal.role.value if principal is not None else ""

    def is_someone_else(self, email: str) -> bool:
        """True when `email` is not the ended session's: that is a full logout, not a resumption."""
        return email.strip().lower() != self.email.lower()

    def resume(self, email: str, password: str) -> Welcome:
        if not password:
            raise AuthenticationFailed(MISSING_PASSWORD)
        principal = self._session.reauthenticate(email, password)
        return Welcome(principal.full_name, principal.role.value)
