"""The directories SkillHub's settings name (data, backups, logs): created private, or refused with a reason.

A directory that cannot be made or used is one line naming the setting, the directory and
why (`StorageError`), never an OSError's traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

from domain.errors import StorageError

DATA_DIR_SETTING = "SKILLHUB_DATA_DIR"
BACKUP_DIR_SETTING = "SKILLHUB_BACKUP_DIR"
LOG_DIR_SETTING = "SKILLHUB_LOG_DIR"


def _nearest_existing(path: Path) -> Path:
    """`path` or its closest ancestor that exists (a dangling symbolic link counts)."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(path.anchor or "/")


def _obstacle(path: Path, setting: str) -> str | None:
    """What stands in the way of `path` being a directory this user may use, or None."""
    found = _nearest_existing(path)
    if found.is_symlink() and not found.exists():
        return f"{setting} {path} cannot be created: {found} is a symbolic link to nothing"
    if not found.is_dir():
        if found == path:
            return f"{setting} {path} is a file, not a directory"
        return f"{setting} {path} cannot be created: {found} is a file, not a directory"
    if found == path:
        if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
            return f"{setting} {path} cannot be used: this user may not read and write in it"
    elif not os.access(found, os.W_OK | os.X_OK):
        return f"{setting} {path} cannot be created: this user may not write in {found}"
    return None


def ensure_directory(path: Path, setting: str) -> Path:
    """`path`, created with its parents (mode 0700) if missing; StorageError naming `setting`,
    the directory and the reason when it cannot be made or is not readable and writable."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        reason = (exc.strerror or exc.__class__.__name__).lower()
        raise StorageError(_obstacle(path, setting) or f"{setting} {path} cannot be created: {reason}") from None
    problem = _obstacle(path, setting)
    if problem is not None:
        raise StorageError(problem)
    return path


def directory_problem(path: Path, setting: str) -> str | None:
    """Why `path` could not be listed, or created when first needed; None when it can (nothing is created)."""
    if path.is_dir() and os.access(path, os.R_OK | os.X_OK):
        return None
    return _obstacle(path, setting)
