"""Files a person asks SkillHub to write (the attendance CSV): where, in what form, and written safely.

A file that exists is replaced only when the caller says so, atomically (written beside the
target, then renamed), so a failure never leaves half a file; problems are one-line
ValidationErrors naming the path, shown under the form's path field.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from domain.errors import ExportTargetExists, ValidationError

# Cells a spreadsheet would run as a formula: prefixed with a quote when exported.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A cell's text, quoted when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A CSV file (CRLF lines, every cell spreadsheet-safe) in utf-8-sig: spreadsheet programs then
    read accented names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def export_target(raw: str, overwrite: bool) -> Path:
    """Where an export goes: `raw` (checked text) as an absolute file path in an existing folder;
    ExportTargetExists when the file exists and `overwrite` is false."""
    target = Path(raw).expanduser()
    target = target if target.is_absolute() else Path.cwd() / target
    if target.is_dir():
        raise ValidationError(f"{target} is a folder: give a file name", field="path")
    if not target.parent.is_dir():
        raise ValidationError(f"Folder {target.parent} does not exist", field="path")
    if target.exists() and not overwrite:
        raise ExportTargetExists(target)
    return target


def write_export(target: Path, data: bytes, overwrite: bool) -> None:
    """Write `data` to `target`: created 0600 when new, replaced atomically with `overwrite`."""
    try:
        if overwrite:
            # Written beside the target then renamed: a failure never leaves half a file.
            fd, tmp = tempfile.mkstemp(prefix=".skillhub-", suffix=".csv", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        else:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
    except FileExistsError:
        raise ExportTargetExists(target) from None
    except PermissionError:
        raise ValidationError(f"Cannot write {target}: permission denied", field="path") from None
    except OSError as exc:
        raise ValidationError(f"Cannot write {target}: {exc.strerror or exc}", field="path") from None
