"""Errors a user can cause or meet, each with a message fit to show as one line."""

from __future__ import annotations

import enum
from pathlib import Path


class SkillHubError(Exception):
    """Base of every error SkillHub shows to a person instead of a traceback."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class ConfigError(SkillHubError):
    """A missing or invalid setting (the CLI exits with status 2)."""


class ValidationError(SkillHubError):
    """Input that breaks a rule; `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class FormErrors(SkillHubError):
    """Several field errors found at once, so a form can show them all inline."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(SkillHubError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class Conflict(SkillHubError):
    """The change clashes with the current state (duplicate, already done, stale)."""


class PermissionDenied(SkillHubError):
    """The caller's role or ownership does not allow this."""


class AuthenticationFailed(SkillHubError):
    """Login refused; the message never says which part was wrong."""


class SessionEnd(enum.StrEnum):
    """Why a session token was refused."""

    EXPIRED = "expired"  # no activity for the token's lifetime
    LIMIT = "limit"  # SKILLHUB_SESSION_MAX_HOURS since the password was given
    REVOKED = "revoked"  # logged out, here or elsewhere
    ROLE_CHANGED = "role_changed"
    INACTIVE = "inactive"  # the account was deactivated
    INVALID = "invalid"  # forged, malformed, or no session at all


# The same person may carry on after giving their password again: nothing about them changed
# that their password cannot vouch for. A deactivated account or a bad token may not.
RESUMABLE = frozenset({SessionEnd.EXPIRED, SessionEnd.LIMIT, SessionEnd.REVOKED, SessionEnd.ROLE_CHANGED})


class SessionExpired(SkillHubError):
    """The session token is expired, revoked or invalid: the user must log in again."""

    def __init__(self, message: str, reason: SessionEnd = SessionEnd.INVALID) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def resumable(self) -> bool:
        """True when the user may re-authenticate and carry on where they were."""
        return self.reason in RESUMABLE


class DatabaseUnavailable(SkillHubError):
    """PostgreSQL or MongoDB cannot be reached; the message names it and says what to do."""

    def __init__(self, which: str, detail: str, hint: str) -> None:
        super().__init__(f"{which} is unreachable ({detail}). {hint}")
        self.which = which
        self.detail = detail
        self.hint = hint


class StorageError(SkillHubError):
    """A directory or file SkillHub needs cannot be created, read or written; the message names it and why."""


class ExportTargetExists(Conflict):
    """The export path exists; the screen asks to confirm, then calls again with overwrite=True."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists: confirm to overwrite it.")
        self.path = path


# -- operations: embedded servers, PostgreSQL client tools, backups, data dumps ---------------

class EmbeddedServerError(SkillHubError):
    """An embedded server could not be started or stopped."""


class PgToolError(SkillHubError):
    """A PostgreSQL client program is missing, too old, or failed."""


class ArchiveError(SkillHubError):
    """The archive is missing, unreadable, truncated, tampered with, or not a SkillHub backup."""


class RestoreCancelled(SkillHubError):
    """The operator did not confirm the restore; nothing was changed."""


class RestoreFailed(SkillHubError):
    """A restore step failed after verification; the message says what state is left."""


class DumpError(SkillHubError):
    """A dump file is missing or malformed, or the databases are not empty for a load."""
