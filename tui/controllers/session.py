"""The session token of one TUI, checked again (and renewed) before every action."""

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
        """The principal behind the token now, or SessionExpired (blocking: database round trips).

        Activity keeps the session alive: past half its lifetime the token is replaced by a
        fresh one of the same session (see AuthService.resume)."""
        token = self._token
        if token is None:
            raise SessionExpired(NOT_LOGGED_IN)
        return self._keep(token, self._auth.resume(token))

    def reauthenticate(self, email: str, password: str) -> Principal:
        """After the session ended: the same person's password starts a new one (AuthenticationFailed otherwise)."""
        token = self._token
        if token is None:
            raise SessionExpired(NOT_LOGGED_IN)
        return self._keep(token, self._auth.reauthenticate(token, email, password))

    def _keep(self, token: str, session: Session) -> Principal:
        with self._lock:
            # A logout may have happened while we were asking the databases.
            if self._token == token:
                self._token = session.token
                self._principal = session.principal
        return session.principal

    def forget(self) -> str | None:
        """Drop the session locally and return its token (to revoke it), if there was one."""
        with self._lock:
            token, self._token, self._principal = self._token, None, None
        return token

    def revoke(self, token: str) -> None:
        """Put a forgotten token on the deny-list so it can never be used again."""
        self._auth.logout(token)
