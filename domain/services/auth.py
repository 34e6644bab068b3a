"""Login, session tokens (renewal, re-authentication), logout, lockout."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain import validation
from domain.clock import Clock, utc_now
from domain.errors import AuthenticationFailed, SessionEnd, SessionExpired, ValidationError
from domain.models.users import Principal, User
from domain.repositories.mongo.auth_events import AuthEventRepository
from domain.repositories.mongo.denylist import TokenDenyList
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.repositories.sql.users import Credentials, UserRepository
from domain.security.fingerprint import keyed_hash
from domain.security.passwords import PasswordHasher
from domain.security.ssh_keys import fingerprint_of
from domain.security.tokens import DecodedToken, TokenCodec

GENERIC_FAILURE = "Login failed: check your email and password."
REAUTH_SOURCE = "tui-reauth"
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)


def _address(typed: object) -> str | None:
    """The email address typed at login in its stored form, or None when it is not one."""
    try:
        return validation.email(typed)
    except ValidationError:
        return None


def _login_key(typed: object) -> str | None:
    """The key to look the account up by (see `validation.email_lookup_key`)."""
    return validation.email_lookup_key(typed)


@dataclass(frozen=True)
class Session:
    """A logged-in session: the token the TUI keeps and who it stands for."""

    token: str
    principal: Principal
    expires_at: datetime


class AuthService:
    """Check passwords, issue and verify session tokens, revoke them on logout."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        codec: TokenCodec,
        events: AuthEventRepository,
        denylist: TokenDenyList,
        clock: Clock = utc_now,
    ) -> None:
        self._uow = uow_factory
        self._hasher = hasher
        self._codec = codec
        self._events = events
        self._denylist = denylist
        self._clock = clock
        self._audit_key = codec.derive_key("auth_events.email")

    def warm_up(self) -> None:
        """Pay the password hasher's first-call cost now, before the first login waits on it."""
        self._hasher.warm_up()

    def anyone_logged_in(self) -> bool:
        """Whether anyone ever logged in here: until then, a first run's login screen says where
        the demo credentials are (it reveals no account, so it needs no principal)."""
        return self._events.anyone_logged_in()

    def login(self, email: object, password: object, source: str = "tui") -> Session:
        """Return a session or raise AuthenticationFailed with the same message whatever failed.

        Every attempt is recorded. Text no database can store (NUL, invalid UTF-8) in either
        field is one more wrong credential; what was typed as the email is logged only if it
        is an email address, otherwise as a keyed hash (see `auth_events`)."""
        email_key = _login_key(email)
        password_is_text = validation.is_valid_text(password)
        secret = password if validation.is_valid_text(password) else ""
        now = self._clock()
        with self._uow() as uow:
            users = uow.users
            creds = users.credentials(email_key, for_update=True) if email_key else None
            # Always one bcrypt check, against a dummy hash when there is no such user,
            # so timing does not tell which emails exist.
            password_ok = self._hasher.verify(secret, creds.password_hash if creds else None) and password_is_text
            if creds is None:
                outcome = "bad_credentials"
            elif creds.locked_until is not None and creds.locked_until > now:
                outcome = "locked"
            elif not creds.user.is_active:
                outcome = "inactive"
            elif not password_ok:
                outcome = "bad_credentials"
                self._count_failure(users, creds.user.id, creds.recent_failures, now)
            else:
                outcome = "success"
                users.clear_failures(creds.user.id)
            uow.commit()
        self._record_attempt(email, creds.user if creds else None, outcome, now, source)
        if outcome != "success":
            raise AuthenticationFailed(GENERIC_FAILURE)
        assert creds is not None
        user = creds.user
        issued = self._codec.issue(user.id, user.role)
        principal = Principal(user.id, user.email, user.full_name, user.role, issued.jti)
        return Session(issued.token, principal, issued.expires_at)

    def _record_attempt(self, typed: object, user: User | None, outcome: str, now: datetime, source: str,
                        method: str | None = None) -> None:
        address = user.email if user else _address(typed)
        if address is not None:
            self._events.add(address, user.id if user else None, outcome, now, source, method=method)
            return
        fingerprint = keyed_hash(self._audit_key, typed) if isinstance(typed, str) else None
        self._events.add(None, None, outcome, now, source, email_invalid=True, email_hmac=fingerprint, method=method)

    @staticmethod
    def _count_failure(users: UserRepository, user_id: int, recent: list[datetime], now: datetime) -> None:
        """Sliding window: lock when the last MAX_FAILURES consecutive failures all fall
        within FAILURE_WINDOW of now (any success clears the list)."""
        window = [at for at in recent if now - at <= FAILURE_WINDOW][-(MAX_FAILURES - 1):] + [now]
        if len(window) >= MAX_FAILURES:
            users.record_failure(user_id, [], now + LOCK_DURATION)
        else:
            users.record_failure(user_id, window, None)

    # -- SSH public keys (issue 12): the SSH server's other way in -----------------------------

    @staticmethod
    def _key_outcome(uow: UnitOfWork, email_key: str, key_blob: bytes, now: datetime,
                     for_update: bool = False) -> tuple[str, Credentials | None, int | None]:
        """("success" | "bad_credentials" | "locked" | "inactive", the account, the key's id)."""
        creds = uow.users.credentials(email_key, for_update=for_update) if email_key else None
        key = uow.ssh_keys.by_fingerprint(fingerprint_of(key_blob))
        if creds is None or key is None or key.user_id != creds.user.id:
            return "bad_credentials", creds, None
        if creds.locked_until is not None and creds.locked_until > now:
            return "locked", creds, key.id
        if not creds.user.is_active:
            return "inactive", creds, key.id
        return "success", creds, key.id

    def key_outcome(self, email: object, key_blob: bytes) -> str:
        """What a login of `email` with this public key would meet, without logging in or recording
        anything: the SSH server asks it when a client merely offers a key (no signature yet)."""
        email_key = _login_key(email) or ""
        with self._uow() as uow:
            return self._key_outcome(uow, email_key, bytes(key_blob), self._clock())[0]

    def login_with_key(self, email: object, key_blob: bytes, source: str = "ssh") -> Session:
        """A session for the owner of a registered public key whose signature the SSH server has
        verified; refused like a password login for a locked or inactive account. Recorded either way.
        A key login leaves the password failure count alone: it does not prove the guesser gave up."""
        email_key = _login_key(email) or ""
        now = self._clock()
        with self._uow() as uow:
            outcome, creds, key_id = self._key_outcome(uow, email_key, bytes(key_blob), now, for_update=True)
            if outcome == "success" and key_id is not None:
                uow.ssh_keys.mark_used(key_id, now)
            uow.commit()
        self._record_attempt(email, creds.user if creds else None, outcome, now, source, method="publickey")
        if outcome != "success":
            raise AuthenticationFailed(GENERIC_FAILURE)
        assert creds is not None
        user = creds.user
        issued = self._codec.issue(user.id, user.role)
        return Session(issued.token, Principal(user.id, user.email, user.full_name, user.role, issued.jti),
                       issued.expires_at)

    def authenticate(self, token: object) -> Principal:
        """The principal behind a token, or SessionExpired (bad, expired, revoked, user gone, role changed)."""
        return self._verify(token)[1]

    def resume(self, token: object) -> Session:
        """Check a token before an action, as `authenticate`; past half its lifetime the session
        gets a fresh token (same session, never past SKILLHUB_SESSION_MAX_HOURS after login)."""
        decoded, principal = self._verify(token)
        issued = self._codec.renew(decoded, principal.role)
        if issued is None:
            assert isinstance(token, str)
            return Session(token, principal, decoded.expires_at)
        return Session(issued.token, replace(principal, token_id=issued.jti), issued.expires_at)

    def _verify(self, token: object) -> tuple[DecodedToken, Principal]:
        decoded = self._codec.decode(token)
        if self._denylist.is_revoked(decoded.jti, decoded.session_id):
            raise SessionExpired("You have been logged out. Please log in again.", SessionEnd.REVOKED)
        with self._uow() as uow:
            user = uow.users.get(decoded.user_id)
        if user is None or not user.is_active:
            raise SessionExpired("Your account is no longer active. Please contact an administrator.",
                                 SessionEnd.INACTIVE)
        # The token carries the role it was issued for: a promotion or demotion ends the session
        # at once, and the person goes on (after their password) with the role they now have.
        if user.role is not decoded.role:
            raise SessionExpired(f"Your role changed from {decoded.role.value} to {user.role.value}. "
                                 "Please log in again.", SessionEnd.ROLE_CHANGED)
        return decoded, Principal(user.id, user.email, user.full_name, user.role, decoded.jti)

    def reauthenticate(self, ended_token: object, email: object, password: object) -> Session:
        """A new session for the person whose session `ended_token` belonged to, after their password.

        Goes through `login`, so the lockout counts and the attempt is recorded (source
        "tui-reauth"). Another person's email is refused like a wrong password, without
        trying it. The ended session is revoked, so none of its tokens can come back (say,
        once the role is changed back).
        """
        previous = self._codec.decode_ended(ended_token)
        with self._uow() as uow:
            user = uow.users.get(previous.user_id)
        if user is None or _login_key(email) != user.email:
            raise AuthenticationFailed(GENERIC_FAILURE)
        session = self.login(email, password, source=REAUTH_SOURCE)
        self._revoke(previous, self._clock())
        return session

    def logout(self, token: object, source: str = "tui") -> None:
        """End the token's session (every token of it); logging out an invalid token is a no-op."""
        try:
            decoded = self._codec.decode(token)
        except SessionExpired:
            return
        now = self._clock()
        self._revoke(decoded, now)
        with self._uow() as uow:
            user = uow.users.get(decoded.user_id)
        self._events.add(user.email if user else "", decoded.user_id, "logout", now, source)

    def _revoke(self, decoded: DecodedToken, now: datetime) -> None:
        self._denylist.revoke(decoded.jti, decoded.user_id, decoded.expires_at, now, decoded.session_id)
        self._denylist.revoke_session(decoded.session_id, decoded.user_id, self._codec.session_end(decoded.auth_time),
                                      now)
