"""The session token of one TUI, checked again before every action."""

from __future__ import annotations

import threading
from collections.abc import Callable

from domain.errors import SessionExpired
from domain.models.users import Principal
from domain.services.auth import AuthService, Session

# What controllers call to learn who is acting. It re-validates the token each time
# (signature, expiry, deny-list, user still active, current role), so call it from a worker.
PrincipalSource = Callable[[], Principal]

NOT_LOGGED_IN = "Please log in."


class SessionKeeper:
    """Holds the session token after login and turns it into a fresh principal on demand."""

    def __init__(self, auth: AuthService) -> None:
        self._auth = auth
        self._lock = threading.Lock()
        self._token: str | None = None
        self._principal: Principal | None = None

    @property
    def principal(self) -> Principal | None:
        """Who was validated last: for display and greying keys, never for authorisation."""
        return self._principal

    @property
    def logged_in(self) -> bool:
        return self._token is not None

    @property
    def token(self) -> str | None:
        """The session token (kept in memory only, never written anywhere)."""
        return self._token

    def begin(self, session: Session) -> None:
        with self._lock:
            self._token = session.token
            self._principal = session.principal

    def current(self) -> Principal:
        """The principal behind the token now, or SessionExpired (blocking: database round trips)."""
        token = self._token
        if token is None:
            raise SessionExpired(NOT_LOGGED_IN)
        principal = self._auth.authenticate(token)
        with self._lock:
            # A logout may have happened while we were asking the databases.
            if self._token == token:
                self._principal = principal
        return principal

    def forget(self) -> str | None:
        """Drop the session locally and return its token (to revoke it), if there was one."""
        with self._lock:
            token, self._token, self._principal = self._token, None, None
        return token

    def revoke(self, token: str) -> None:
        """Put a forgotten token on the deny-list so it can never be used again."""
        self._auth.logout(token)
