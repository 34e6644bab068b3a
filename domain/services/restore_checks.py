"""Reading an archive for a restore: everything is read and checked before anything is changed.

The layouts and documents of every collection (normalised and checked against their
validators), and the manifest's counts for the activity-log entry of a failed restore.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from domain.errors import ArchiveError, RestoreFailed, SkillHubError, ValidationError
from domain.infrastructure import backup_archive
from domain.infrastructure.archive_manifest import Manifest
from domain.repositories.mongo.archive import CollectionLayout, PreparedCollection, prepare
from domain.services.backup_reports import Steps


def archive_counts(path: Path) -> dict[str, Any]:
    """What the archive's manifest says, for the entry of a failed restore (nothing if it cannot be read)."""
    try:
        manifest = backup_archive.read_manifest(path)
    except (SkillHubError, OSError):
        return {}
    return {"taken": manifest.created_at.isoformat(), "rows": manifest.total_rows,
            "documents": manifest.total_documents}


def read_layouts(manifest: Manifest, unpacked: Path) -> dict[str, CollectionLayout]:
    """Each collection's layout (options and indexes) as the unpacked archive records it."""
    layouts: dict[str, CollectionLayout] = {}
    for name, entry in manifest.collections.items():
        try:
            layouts[name] = CollectionLayout.from_json((unpacked / entry.layout).read_bytes())
        except ValueError as exc:
            raise ArchiveError(f"{entry.layout} is malformed ({str(exc)[:120]})") from None
        if layouts[name].name != name:
            raise ArchiveError(f"{entry.layout} describes {layouts[name].name!r}, not {name!r}")
    return layouts


def prepare_documents(manifest: Manifest, layouts: dict[str, CollectionLayout], unpacked: Path,
                       steps: Steps) -> dict[str, PreparedCollection]:
    """Every collection's documents normalised and checked, before anything is changed."""
    steps.start("Checking documents", manifest.total_documents)
    prepared: dict[str, PreparedCollection] = {}
    for name, entry in manifest.collections.items():
        target = unpacked / f"{entry.data}.bson"
        try:
            prepared[name] = prepare(layouts[name], unpacked / entry.data, target,
                                     on_batch=partial(steps.advance, stage=f"Checking documents: {name}"))
        except ValidationError as exc:
            raise RestoreFailed(f"Restore refused, nothing was changed: {exc.message}") from None
        except ValueError as exc:
            raise RestoreFailed(f"Restore refused, nothing was changed: a document of {name} cannot be read "
                                f"({str(exc).splitlines()[0][:160]})") from None
    steps.finish()
    return prepared

