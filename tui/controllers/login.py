"""Login: check the credentials, keep the session."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import AuthenticationFailed
from domain.services.auth import AuthService
from tui.controllers.session import SessionKeeper

MISSING_CREDENTIALS = "Enter your email and your password."


@dataclass(frozen=True)
class Welcome:
    """Who just logged in, to greet them."""

    name: str
    role: str


class LoginController:
    """Turns the login form into a session, or an AuthenticationFailed to show."""

    def __init__(self, auth: AuthService, session: SessionKeeper) -> None:
        self._auth = auth
        self._session = session

    def sign_in(self, email: str, password: str) -> Welcome:
        # An empty form is a typing slip, not a login attempt: it is not sent nor recorded.
        if not email.strip() or not password:
            raise AuthenticationFailed(MISSING_CREDENTIALS)
        session = self._auth.login(email, password, source="tui")
        self._session.begin(session)
        return Welcome(session.principal.full_name, session.principal.role.value)
