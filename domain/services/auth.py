"""Login, session tokens, logout, lockout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.clock import Clock, utc_now
from domain.errors import AuthenticationFailed, SessionExpired
from domain.models.users import Principal
from domain.repositories.mongo.auth_events import AuthEventRepository
from domain.repositories.mongo.denylist import TokenDenyList
from domain.repositories.sql.ssh_keys import SshKeyRepository
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.repositories.sql.users import Credentials, UserRepository
from domain.security.passwords import PasswordHasher
from domain.security.ssh_keys import fingerprint_of
from domain.security.tokens import TokenCodec

GENERIC_FAILURE = "Login failed: check your email and password."
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)


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

    def login(self, email: object, password: object, source: str = "tui") -> Session:
        """Return a session or raise AuthenticationFailed with the same message whatever failed."""
        email_key = email.strip().lower()[:254] if isinstance(email, str) else ""
        secret = password if isinstance(password, str) else ""
        now = self._clock()
        with self._uow() as uow:
            users = UserRepository(uow.conn)
            creds = users.credentials(email_key, for_update=True) if email_key else None
            # Always one bcrypt check, against a dummy hash when there is no such user,
            # so timing does not tell which emails exist.
            password_ok = self._hasher.verify(secret, creds.password_hash if creds else None)
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
        self._events.add(email_key, creds.user.id if creds else None, outcome, now, source)
        if outcome != "success":
            raise AuthenticationFailed(GENERIC_FAILURE)
        assert creds is not None
        user = creds.user
        issued = self._codec.issue(user.id, user.role)
        principal = Principal(user.id, user.email, user.full_name, user.role, issued.jti)
        return Session(issued.token, principal, issued.expires_at)

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
        creds = UserRepository(uow.conn).credentials(email_key, for_update=for_update) if email_key else None
        key = SshKeyRepository(uow.conn).by_fingerprint(fingerprint_of(key_blob))
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
        email_key = email.strip().lower()[:254] if isinstance(email, str) else ""
        with self._uow() as uow:
            return self._key_outcome(uow, email_key, bytes(key_blob), self._clock())[0]

    def login_with_key(self, email: object, key_blob: bytes, source: str = "ssh") -> Session:
        """A session for the owner of a registered public key whose signature the SSH server has
        verified; refused like a password login for a locked or inactive account. Recorded either way.
        A key login leaves the password failure count alone: it does not prove the guesser gave up."""
        email_key = email.strip().lower()[:254] if isinstance(email, str) else ""
        now = self._clock()
        with self._uow() as uow:
            outcome, creds, key_id = self._key_outcome(uow, email_key, bytes(key_blob), now, for_update=True)
            if outcome == "success" and key_id is not None:
                SshKeyRepository(uow.conn).mark_used(key_id, now)
            uow.commit()
        self._events.add(email_key, creds.user.id if creds else None, outcome, now, source, method="publickey")
        if outcome != "success":
            raise AuthenticationFailed(GENERIC_FAILURE)
        assert creds is not None
        user = creds.user
        issued = self._codec.issue(user.id, user.role)
        return Session(issued.token, Principal(user.id, user.email, user.full_name, user.role, issued.jti),
                       issued.expires_at)

    def authenticate(self, token: object) -> Principal:
        """The principal behind a token, or SessionExpired (bad, expired, revoked, user gone)."""
        decoded = self._codec.decode(token)
        if self._denylist.is_revoked(decoded.jti):
            raise SessionExpired("You have been logged out. Please log in again.")
        with self._uow() as uow:
            user = UserRepository(uow.conn).get(decoded.user_id)
        if user is None or not user.is_active:
            raise SessionExpired("Your account is no longer active. Please contact an administrator.")
        # The role comes from the database, not the token: a demotion takes effect at once.
        return Principal(user.id, user.email, user.full_name, user.role, decoded.jti)

    def logout(self, token: object, source: str = "tui") -> None:
        """Put the token's id on the deny-list; logging out an invalid token is a no-op."""
        try:
            decoded = self._codec.decode(token)
        except SessionExpired:
            return
        now = self._clock()
        self._denylist.revoke(decoded.jti, decoded.user_id, decoded.expires_at, now)
        with self._uow() as uow:
            user = UserRepository(uow.conn).get(decoded.user_id)
        self._events.add(user.email if user else "", decoded.user_id, "logout", now, source)
