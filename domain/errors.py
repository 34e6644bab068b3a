"""Errors a user can cause or meet, each with a message fit to show as one line."""

from __future__ import annotations


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


class SessionExpired(SkillHubError):
    """The session token is expired, revoked or invalid: the user must log in again."""


class DatabaseUnavailable(SkillHubError):
    """PostgreSQL or MongoDB cannot be reached; the message names it and says what to do."""

    def __init__(self, which: str, detail: str, hint: str) -> None:
        super().__init__(f"{which} is unreachable ({detail}). {hint}")
        self.which = which
        self.detail = detail
        self.hint = hint


class StorageError(SkillHubError):
    """A directory or file SkillHub needs cannot be created, read or written; the message names it and why."""
