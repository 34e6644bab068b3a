"""Session tokens: HS256 JWTs with every claim required and checked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from domain.clock import Clock, utc_now
from domain.errors import ConfigError, SessionExpired, ValidationError
from domain.models.users import Role
from domain.security.fingerprint import derive_key

ISSUER = "skillhub"
AUDIENCE = "skillhub-tui"
ALGORITHM = "HS256"
LEEWAY_S = 10
MIN_KEY_BYTES = 32
REQUIRED_CLAIMS = ["sub", "role", "iat", "exp", "iss", "aud", "jti"]


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class DecodedToken:
    user_id: int
    role: Role
    jti: str
    expires_at: datetime


class TokenCodec:
    """Encode and strictly decode session tokens with one secret key.

    `clock` dates the tokens it issues; decoding checks `exp` against the wall clock,
    as PyJWT does, so a token can never outlive real time whatever clock issued it.
    """

    def __init__(self, secret_key: str, ttl_minutes: int = 60, clock: Clock = utc_now) -> None:
        if len(secret_key.encode()) < MIN_KEY_BYTES:
            raise ConfigError(f"SKILLHUB_SECRET_KEY must be at least {MIN_KEY_BYTES} bytes long")
        self._key = secret_key
        self._ttl = timedelta(minutes=ttl_minutes)
        self._clock = clock
        self._jwt = jwt.PyJWT(options={"enforce_minimum_key_length": True})

    def derive_key(self, purpose: str) -> bytes:
        """A key for another purpose (e.g. the login audit's hashes) derived from this secret key."""
        return derive_key(self._key, purpose)

    def issue(self, user_id: int, role: Role) -> IssuedToken:
        now = self._clock().replace(microsecond=0)
        expires = now + self._ttl
        jti = uuid.uuid4().hex
        claims = {
            "sub": str(user_id),
            "role": role.value,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "iss": ISSUER,
            "aud": AUDIENCE,
            "jti": jti,
        }
        return IssuedToken(self._jwt.encode(claims, self._key, algorithm=ALGORITHM), jti, expires)

    def decode(self, token: object) -> DecodedToken:
        """Return the verified claims or raise SessionExpired (never says which check failed)."""
        if not isinstance(token, str) or not token or len(token) > 4096:
            raise SessionExpired("Your session is not valid. Please log in again.")
        try:
            claims = self._jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": REQUIRED_CLAIMS, "verify_iat": True},
            )
            expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
            return DecodedToken(int(claims["sub"]), Role.parse(claims["role"]), str(claims["jti"]), expires_at)
        except jwt.ExpiredSignatureError:
            raise SessionExpired("Your session has expired. Please log in again.") from None
        except (jwt.PyJWTError, ValidationError, ValueError, KeyError, TypeError):
            raise SessionExpired("Your session is not valid. Please log in again.") from None

