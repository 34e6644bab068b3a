"""The session token of one TUI, checked again (and renewed) once per action of the person."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from domain.errors import SessionExpired
from domain.models.users import Principal

if TYPE_CHECKING:
    from domain.services.auth import AuthService, Session

# What controllers call to learn who is acting. It re-validates the token (signature, expiry,
# deny-list, user still active, current role) once per action of the person: blocking, so
# call it from a worker.
PrincipalSource = Callable[[], Principal]

NOT_LOGGED_IN = "Please log in."


class SessionKeeper:
    """Holds the session token after login and turns it into a fresh principal on demand.

    The shell calls `next_action()` on every key, click and paste. The token is checked on the
    first call of `current()` after that, and the calls that follow within the same action
    (opening a section, then the screen's first loads) get the principal of that check: one
    check per action, and a token revoked or expired before an action is refused by it.
    """

    def __init__(self, auth: AuthService | Callable[[], AuthService]) -> None:
        # A function when the app starts before its services: it returns them once they are
        # ready, blocking until then (it is only called from workers).
        self._auth_of: Callable[[], AuthService] = auth if callable(auth) else _always(auth)
        self._lock = threading.Lock()
        # Held while the token is checked: calls of one action made at the same time (two
        # workers of a screen that opens) wait for that check instead of repeating it.
        self._checking = threading.Lock()
        self._token: str | None = None
        self._principal: Principal | None = None
        self._action = 0
        # The action during which the token was last checked (None: not since the last change).
        self._checked_in: int | None = None

    @property
    def _auth(self) -> AuthService:
        return self._auth_of()

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
            self._checked_in = None

    def next_action(self) -> None:
        """The person pressed a key, clicked or pasted: the next `current()` checks the token again."""
        with self._lock:
            self._action += 1

    def current(self) -> Principal:
        """The principal behind the token, checked once per action, or SessionExpired (blocking:
        database round trips on the first call of an action).

        Activity keeps the session alive: past half its lifetime the token is replaced by a
        fresh one of the same session (see AuthService.resume)."""
        with self._checking:
            with self._lock:
                token, action = self._token, self._action
                if token is None:
                    raise SessionExpired(NOT_LOGGED_IN)
                if self._checked_in == action and self._principal is not None:
                    return self._principal
            # `action` was read before the check: what it finds holds for that action only.
            return self._keep(token, self._auth.resume(token), action)

    def reauthenticate(self, email: str, password: str) -> Principal:
        """After the session ended: the same person's password starts a new one (AuthenticationFailed otherwise)."""
        token = self._token
        if token is None:
            raise SessionExpired(NOT_LOGGED_IN)
        with self._lock:
            action = self._action
        return self._keep(token, self._auth.reauthenticate(token, email, password), action)

    def _keep(self, token: str, session: Session, checked_in: int) -> Principal:
        with self._lock:
            # A logout may have happened while we were asking the databases.
            if self._token == token:
                self._token = session.token
                self._principal = session.principal
                self._checked_in = checked_in
        return session.principal

    def forget(self) -> str | None:
        """Drop the session locally and return its token (to revoke it), if there was one."""
        with self._lock:
            token, self._token, self._principal, self._checked_in = self._token, None, None, None
        return token

    def revoke(self, token: str) -> None:
        """Put a forgotten token on the deny-list so it can never be used again."""
        self._auth.logout(token)


def _always(auth: AuthService) -> Callable[[], AuthService]:
    return lambda: auth
