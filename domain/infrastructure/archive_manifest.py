"""The manifest of a backup archive: what it holds, from which servers, with the size and SHA-256 of each file.

`manifest.json` is the archive's first member; `Manifest.from_json` checks every field of an
untrusted one before the rest of the archive is read (see `backup_archive`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from domain.errors import ArchiveError

FORMAT = "skillhub-backup"
# 2: collections as BSON (`mongo/<collection>.bson`, what the server sends, written as it
# comes). 1: canonical Extended JSON lines (`.jsonl`); still restored.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
# Member names are built by SkillHub and checked on the way in: never an absolute path,
# never '..', so unpacking cannot write outside the scratch directory.
MEMBER_NAME = re.compile(r"^(postgres|mongo)/[A-Za-z0-9_.%-]{1,200}\.(dump|bson|jsonl|json)$")


@dataclass(frozen=True)
class FileEntry:
    """Size and SHA-256 of one member, as the manifest records them."""

    size: int
    sha256: str


@dataclass(frozen=True)
class CollectionEntry:
    """One MongoDB collection in the archive."""

    documents: int
    data: str
    layout: str


def data_member(collection: str) -> str:
    return f"mongo/{quote(collection, safe='')}.bson"


def is_bson_member(name: str) -> bool:
    """True for a collection's BSON documents (format 2), False for its JSON lines (format 1)."""
    return name.endswith(".bson")


def layout_member(collection: str) -> str:
    return f"mongo/{quote(collection, safe='')}.layout.json"


def dump_member(database: str) -> str:
    return f"postgres/{quote(database or 'database', safe='')}.dump"


@dataclass(frozen=True)
class Manifest:
    """What an archive holds; `files` covers every member but the manifest itself."""

    created_at: datetime
    skillhub_version: str
    alembic_revision: str | None
    postgres_version: str
    postgres_version_num: int
    pg_dump_version: str
    postgres_database: str
    postgres_dump: str
    tables: dict[str, int]
    mongo_version: str
    mongo_database: str
    collections: dict[str, CollectionEntry]
    files: dict[str, FileEntry]

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    @property
    def total_documents(self) -> int:
        return sum(c.documents for c in self.collections.values())

    @property
    def pg_dump_major(self) -> int:
        return int(self.pg_dump_version.split(".")[0])

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "skillhub_version": self.skillhub_version,
            "alembic_revision": self.alembic_revision,
            "postgres": {
                "server_version": self.postgres_version,
                "server_version_num": self.postgres_version_num,
                "pg_dump_version": self.pg_dump_version,
                "database": self.postgres_database,
                "dump": self.postgres_dump,
                "tables": self.tables,
            },
            "mongo": {
                "server_version": self.mongo_version,
                "database": self.mongo_database,
                "collections": {
                    name: {"documents": c.documents, "data": c.data, "layout": c.layout}
                    for name, c in self.collections.items()
                },
            },
            "files": {name: {"size": f.size, "sha256": f.sha256} for name, f in self.files.items()},
        }
        return (json.dumps(data, indent=2, sort_keys=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        """Parse and check a manifest; ArchiveError saying what is wrong."""
        try:
            data = json.loads(raw.decode("utf-8"))
            return cls._parse(data)
        except ArchiveError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ArchiveError(f"manifest.json is malformed ({exc.__class__.__name__}: {str(exc)[:120]})") from None

    @classmethod
    def _parse(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise ArchiveError("not a SkillHub backup (manifest.json has no SkillHub format marker)")
        if data.get("format_version") not in READABLE_VERSIONS:
            readable = " and ".join(str(v) for v in READABLE_VERSIONS)
            raise ArchiveError(f"backup format {data.get('format_version')!r} is not supported (this SkillHub reads {readable})")
        files = {name: FileEntry(_count(f["size"], name), _sha(f["sha256"], name)) for name, f in data["files"].items()}
        for name in files:
            if not MEMBER_NAME.match(name):
                raise ArchiveError(f"manifest.json names an unsafe file {name[:80]!r}")
        pg, mongo = data["postgres"], data["mongo"]
        collections = {
            str(name): CollectionEntry(_count(c["documents"], name), _known(c["data"], files), _known(c["layout"], files))
            for name, c in mongo["collections"].items()
        }
        revision = data["alembic_revision"]
        manifest = cls(
            created_at=datetime.strptime(data["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            skillhub_version=str(data["skillhub_version"]),
            alembic_revision=None if revision is None else str(revision),
            postgres_version=str(pg["server_version"]),
            postgres_version_num=_count(pg["server_version_num"], "server_version_num"),
            pg_dump_version=str(pg["pg_dump_version"]),
            postgres_database=str(pg["database"]),
            postgres_dump=_known(pg["dump"], files),
            tables={str(name): _count(rows, name) for name, rows in pg["tables"].items()},
            mongo_version=str(mongo["server_version"]),
            mongo_database=str(mongo["database"]),
            collections=collections,
            files=files,
        )
        if not re.match(r"^\d+", manifest.pg_dump_version):
            raise ArchiveError("manifest.json has no pg_dump version")
        return manifest


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ArchiveError(f"manifest.json: {what} must be a whole number")
    return value


def _sha(value: Any, what: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ArchiveError(f"manifest.json: the SHA-256 of {what} is malformed")
    return value


def _known(name: Any, files: dict[str, FileEntry]) -> str:
    if not isinstance(name, str) or name not in files:
        raise ArchiveError(f"manifest.json refers to {str(name)[:80]!r}, which its file list lacks")
    return name


def digest(path: Path) -> FileEntry:
    """Size and SHA-256 of a staged file."""
    with open(path, "rb") as fh:
        sha = hashlib.file_digest(fh, "sha256").hexdigest()
    return FileEntry(path.stat().st_size, sha)
