"""bcrypt password hashing with the length rules bcrypt itself imposes."""

from __future__ import annotations

from functools import cached_property

import bcrypt

from domain.errors import ValidationError
from domain.validation import valid_text

MIN_PASSWORD_BYTES = 12
# bcrypt reads only the first 72 bytes: a longer password would be silently truncated.
MAX_PASSWORD_BYTES = 72


def check_password_rules(password: object) -> bytes:
    """Return the password as bytes or raise a ValidationError that says which rule broke."""
    text = valid_text(password, "password", "password")
    raw = text.encode("utf-8")
    if len(raw) < MIN_PASSWORD_BYTES:
        raise ValidationError(f"password must be at least {MIN_PASSWORD_BYTES} bytes", field="password")
    if len(raw) > MAX_PASSWORD_BYTES:
        raise ValidationError(
            f"password must be at most {MAX_PASSWORD_BYTES} bytes (bcrypt ignores anything longer)",
            field="password",
        )
    if any(ord(ch) < 32 for ch in text):
        raise ValidationError("password must not contain control characters", field="password")
    return raw


class PasswordHasher:
    """Hash and verify with a fixed bcrypt cost; verify against a dummy hash for unknown users."""

    def __init__(self, rounds: int = 12) -> None:
        self.rounds = rounds

    @cached_property
    def _dummy(self) -> str:
        # Made on first use, not at start-up: a process that never checks a password (a CLI
        # command, an SSH session's app) must not pay one bcrypt hash (~0.25 s at cost 12) to start.
        return bcrypt.hashpw(b"dummy-password-for-timing", bcrypt.gensalt(self.rounds)).decode()

    def warm_up(self) -> None:
        """Make the dummy hash now, so that even the first check of an unknown email costs one bcrypt."""
        _ = self._dummy

    def hash(self, password: str) -> str:
        return bcrypt.hashpw(check_password_rules(password), bcrypt.gensalt(self.rounds)).decode()

    def verify(self, password: str, hashed: str | None) -> bool:
        """Constant-work check: an unknown user or an over-long password costs one bcrypt too."""
        raw = password.encode("utf-8") if isinstance(password, str) else b""
        too_long = len(raw) > MAX_PASSWORD_BYTES
        target = hashed if hashed and not too_long else self._dummy
        ok = bcrypt.checkpw(raw[:MAX_PASSWORD_BYTES], target.encode())
        return ok and hashed is not None and not too_long
