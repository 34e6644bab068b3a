"""Session tokens: HS256 JWTs with every claim required and checked.

A session starts at login (`auth_time`, a new session id `sid`) and lives through tokens:
each token lasts SKILLHUB_TOKEN_TTL_MINUTES, and activity past half its lifetime gets a
fresh token of the same session (`renew`), never past SKILLHUB_SESSION_MAX_HOURS after
`auth_time`. Revoking the session id ends every token of the session.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from domain.clock import Clock, utc_now
from domain.errors import ConfigError, SessionEnd, SessionExpired, ValidationError
from domain.models.users import Role
from domain.security.fingerprint import derive_key

ISSUER = "skillhub"
AUDIENCE = "skillhub-tui"
ALGORITHM = "HS256"
LEEWAY_S = 10
MIN_KEY_BYTES = 32
DEFAULT_MAX_SESSION_HOURS = 12
REQUIRED_CLAIMS = ["sub", "role", "iat", "exp", "iss", "aud", "jti", "sid", "auth_time"]

NOT_VALID = "Your session is not valid. Please log in again."
EXPIRED = "Your session has expired. Please log in again."


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime
    session_id: str


@dataclass(frozen=True)
class DecodedToken:
    user_id: int
    role: Role
    jti: str
    expires_at: datetime
    session_id: str
    issued_at: datetime
    # When the password was given: the session never outlives auth_time + the maximum.
    auth_time: datetime


def _at(seconds: object) -> datetime:
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise ValueError("a time claim must be a whole number of seconds")
    return datetime.fromtimestamp(seconds, tz=UTC)


class TokenCodec:
    """Encode and strictly decode session tokens with one secret key.

    `clock` dates the tokens it issues and decides when one is due for renewal; decoding
    checks `exp` against the wall clock, as PyJWT does, so a token can never outlive real
    time whatever clock issued it.
    """

    def __init__(self, secret_key: str, ttl_minutes: int = 60, clock: Clock = utc_now,
                 max_session_hours: int = DEFAULT_MAX_SESSION_HOURS) -> None:
        if len(secret_key.encode()) < MIN_KEY_BYTES:
            raise ConfigError(f"SKILLHUB_SECRET_KEY must be at least {MIN_KEY_BYTES} bytes long")
        self._key = secret_key
        self._ttl = timedelta(minutes=ttl_minutes)
        self._max_hours = max_session_hours
        self._max_session = timedelta(hours=max_session_hours)
        self._clock = clock
        self._jwt = jwt.PyJWT(options={"enforce_minimum_key_length": True})

    def derive_key(self, purpose: str) -> bytes:
        """A key for another purpose (e.g. the login audit's hashes) derived from this secret key."""
        return derive_key(self._key, purpose)

    def issue(self, user_id: int, role: Role) -> IssuedToken:
        """The first token of a new session (at login)."""
        now = self._clock().replace(microsecond=0)
        return self._issue(user_id, role, uuid.uuid4().hex, now, now)

    def renew(self, decoded: DecodedToken, role: Role) -> IssuedToken | None:
        """A fresh token of the same session once `decoded` is past half its lifetime; None when
        not due yet, or when the session's maximum already bounds it."""
        now = self._clock().replace(microsecond=0)
        half_life = (decoded.expires_at - decoded.issued_at) / 2
        if now - decoded.issued_at < half_life or decoded.expires_at >= self.session_end(decoded.auth_time):
            return None
        return self._issue(decoded.user_id, role, decoded.session_id, decoded.auth_time, now)

    def session_end(self, auth_time: datetime) -> datetime:
        """When a session that started at `auth_time` ends, whatever the activity."""
        return auth_time + self._max_session

    def _issue(self, user_id: int, role: Role, session_id: str, auth_time: datetime, now: datetime) -> IssuedToken:
        expires = min(now + self._ttl, self.session_end(auth_time))
        if expires <= now:
            raise SessionExpired(self._limit_message(), SessionEnd.LIMIT)
        jti = uuid.uuid4().hex
        claims = {
            "sub": str(user_id),
            "role": role.value,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "iss": ISSUER,
            "aud": AUDIENCE,
            "jti": jti,
            "sid": session_id,
            "auth_time": int(auth_time.timestamp()),
        }
        return IssuedToken(self._jwt.encode(claims, self._key, algorithm=ALGORITHM), jti, expires, session_id)

    def _limit_message(self) -> str:
        return f"Your session reached its {self._max_hours}-hour limit. Please log in again."

    def decode(self, token: object) -> DecodedToken:
        """Return the verified claims or raise SessionExpired (never says which check failed)."""
        try:
            decoded = self._decoded(self._claims(token, verify_exp=True))
        except jwt.ExpiredSignatureError:
            raise self._expiry(token) from None
        # The maximum is checked at every use, so lowering it takes effect at once.
        if time.time() - LEEWAY_S >= self.session_end(decoded.auth_time).timestamp():
            raise SessionExpired(self._limit_message(), SessionEnd.LIMIT)
        return decoded

    def decode_ended(self, token: object) -> DecodedToken:
        """The claims of a genuine token whose session may have ended (expired, revoked):
        everything but the expiry is verified. For re-authentication, never for access."""
        return self._decoded(self._claims(token, verify_exp=False))

    def _claims(self, token: object, verify_exp: bool) -> dict[str, Any]:
        if not isinstance(token, str) or not token or len(token) > 4096:
            raise SessionExpired(NOT_VALID)
        try:
            return self._jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": REQUIRED_CLAIMS, "verify_iat": True, "verify_exp": verify_exp},
            )
        except jwt.ExpiredSignatureError:
            raise
        except (jwt.PyJWTError, UnicodeError):
            # UnicodeError: text that is not UTF-8 (a lone surrogate) cannot be a token.
            raise SessionExpired(NOT_VALID) from None

    @staticmethod
    def _decoded(claims: dict[str, Any]) -> DecodedToken:
        try:
            issued_at, auth_time = _at(claims["iat"]), _at(claims["auth_time"])
            session_id = claims["sid"]
            if auth_time > issued_at or not isinstance(session_id, str) or not 0 < len(session_id) <= 48:
                raise ValueError("auth_time after iat, or a bad session id")
            return DecodedToken(int(claims["sub"]), Role.parse(claims["role"]), str(claims["jti"]),
                                _at(claims["exp"]), session_id, issued_at, auth_time)
        except (ValidationError, ValueError, KeyError, TypeError, OverflowError, OSError):
            raise SessionExpired(NOT_VALID) from None

    def _expiry(self, token: object) -> SessionExpired:
        """Why an expired token expired: its session's maximum, or no activity."""
        try:
            decoded = self.decode_ended(token)
        except SessionExpired as refused:
            return refused
        if decoded.expires_at >= self.session_end(decoded.auth_time):
            return SessionExpired(self._limit_message(), SessionEnd.LIMIT)
        return SessionExpired(EXPIRED, SessionEnd.EXPIRED)
