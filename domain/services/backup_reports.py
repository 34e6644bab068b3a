"""What backups and restores report: progress through their steps, and their results as lines to print."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from domain.infrastructure.archive_manifest import Manifest


@dataclass(frozen=True)
class Progress:
    """Where a long operation is: step `step` of `steps`, `done` of `total` units in it."""

    step: int
    steps: int
    stage: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return 1.0 if self.total <= 0 else min(1.0, self.done / self.total)


ProgressCallback = Callable[[Progress], None]


class Steps:
    """Reports progress of numbered steps to an optional callback."""

    def __init__(self, callback: ProgressCallback | None, steps: int) -> None:
        self._callback = callback
        self._steps = steps
        self._step = 0
        self._stage = ""
        self._done = 0
        self._total = 0

    def start(self, stage: str, total: int) -> None:
        self._step += 1
        self._stage, self._done, self._total = stage, 0, max(0, total)
        self._emit()

    def advance(self, units: int, stage: str | None = None) -> None:
        self._done += units
        if stage is not None:
            self._stage = stage
        self._emit()

    def finish(self) -> None:
        self._done = self._total
        self._emit()

    def _emit(self) -> None:
        if self._callback is not None:
            self._callback(Progress(self._step, self._steps, self._stage, self._done, self._total))


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: the archive, its manifest, and the old archives retention removed."""

    path: Path
    size: int
    manifest: Manifest
    removed: list[Path]
    seconds: float
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        m = self.manifest
        out = [
            f"Backup written: {self.path} ({human_size(self.size)}, {self.seconds:.1f} s)",
            f"  PostgreSQL {m.postgres_version}: {len(m.tables)} tables, {m.total_rows} rows "
            f"(Alembic revision {m.alembic_revision or 'none'})",
            f"  MongoDB {m.mongo_version}: {len(m.collections)} collections, {m.total_documents} documents",
        ]
        if self.removed:
            out.append(f"  Retention removed {len(self.removed)} old archive(s): " + ", ".join(p.name for p in self.removed))
        out += [f"  Note: {note}" for note in self.notes]
        return out


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did and what the checks after it found."""

    archive: Path
    manifest: Manifest
    mismatches: list[str]
    notes: list[str]
    revision: str | None
    head: str | None
    drift: list[str]
    seconds: float
    dropped_collections: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def lines(self) -> list[str]:
        m = self.manifest
        out = [
            f"Restored {self.archive.name} (taken {m.created_at:%Y-%m-%d %H:%M:%S} UTC) in {self.seconds:.1f} s",
            f"  PostgreSQL: {len(m.tables)} tables, {m.total_rows} rows",
            f"  MongoDB: {len(m.collections)} collections, {m.total_documents} documents",
        ]
        if self.dropped_collections:
            out.append("  Dropped collections absent from the archive: " + ", ".join(self.dropped_collections))
        out.append(
            "  Counts: all match the manifest" if not self.mismatches
            else f"  Counts: {len(self.mismatches)} mismatch(es): " + "; ".join(self.mismatches)
        )
        if self.revision == self.head:
            out.append(f"  Schema: Alembic revision {self.revision} (head)")
        else:
            out.append(f"  Schema: Alembic revision {self.revision or 'none'}, code head {self.head}: "
                       "run 'skillhub db upgrade'")
        out.append("  Drift check: databases agree" if not self.drift else "  Drift check: " + "; ".join(self.drift))
        out += [f"  Note: {note}" for note in self.notes]
        return out


def human_size(size: float) -> str:
    """1536 → '1.5 KiB'."""
    for unit in ("bytes", "KiB", "MiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"
