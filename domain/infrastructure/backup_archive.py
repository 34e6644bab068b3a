"""The backup archive format: one `skillhub-<UTC time>.tar.gz`, its manifest, and its checks.

Layout (all members regular files, `manifest.json` first so it can be read without
unpacking the rest):

    manifest.json                      what, when, from which servers, counts, SHA-256 of each file
    postgres/<database>.dump           pg_dump --format=custom
    mongo/<collection>.bson            its documents as BSON, one after the other, in _id order
                                       (format 1: mongo/<collection>.jsonl, canonical Extended JSON lines)
    mongo/<collection>.layout.json     creation options (validator) and indexes

Verification reads the archive once, as a stream, and checks it against the manifest:
every file present once, nothing else, sizes, SHA-256, document counts of the collection files,
and the gzip trailer (so a truncated or bit-flipped archive is refused). Nothing here
touches a database.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from domain.errors import ArchiveError
from domain.infrastructure.archive_manifest import (
    FileEntry,
    Manifest,
    is_bson_member,
)

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
CHUNK = 1024 * 1024
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
ARCHIVE_NAME = re.compile(r"^skillhub-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar\.gz$")

BytesCallback = Callable[[int], None]


class _CountingReader(io.RawIOBase):
    """A read-only file that reports how many bytes went through it."""

    def __init__(self, inner: IO[bytes], on_bytes: BytesCallback | None) -> None:
        self._inner = inner
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        if self._on_bytes is not None and data:
            self._on_bytes(len(data))
        return len(data)


def _archive_name(created_at: datetime, sequence: int) -> str:
    stamp = created_at.astimezone(UTC).strftime(TIME_FORMAT)
    return f"skillhub-{stamp}.tar.gz" if sequence == 1 else f"skillhub-{stamp}-{sequence}.tar.gz"


def pack(staging: Path, manifest: Manifest, directory: Path, on_bytes: BytesCallback | None = None) -> Path:
    """Write the archive (mode 0600) into `directory` under a name no other backup has; return it."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    mtime = int(manifest.created_at.timestamp())
    # mkstemp creates the file 0600 from the start: a dump of password hashes is never world-readable.
    fd, partial_name = tempfile.mkstemp(prefix=".skillhub-", suffix=".partial", dir=directory)
    partial = Path(partial_name)
    try:
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=mtime) as gz:
                with tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    manifest_bytes = manifest.to_json()
                    tar.addfile(_member(MANIFEST, len(manifest_bytes), mtime), io.BytesIO(manifest_bytes))
                    for name, entry in manifest.files.items():
                        with open(staging / name, "rb") as fh:
                            tar.addfile(_member(name, entry.size, mtime), _CountingReader(fh, on_bytes))
            raw.flush()
            os.fsync(raw.fileno())
        return _claim_name(partial, directory, manifest.created_at)
    finally:
        partial.unlink(missing_ok=True)


def _member(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _claim_name(partial: Path, directory: Path, created_at: datetime) -> Path:
    # A hard link fails if the name exists: two backups in the same second never overwrite each other.
    for sequence in range(1, 1000):
        final = directory / _archive_name(created_at, sequence)
        try:
            os.link(partial, final)
        except FileExistsError:
            continue
        except OSError:
            # A file system without hard links: a rename, checked first, is nearly as safe.
            if final.exists():
                continue
            os.rename(partial, final)
        os.chmod(final, 0o600)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return final
    raise ArchiveError(f"too many backups named for {created_at:%Y-%m-%d %H:%M:%S} in {directory}")


def check_readable(path: Path) -> None:
    """ArchiveError unless `path` is a file this user can read."""
    if not path.is_file():
        raise ArchiveError(f"no backup archive at {path}")
    if not os.access(path, os.R_OK):
        raise ArchiveError(f"{path} is not readable by this user")


def read_manifest(path: Path) -> Manifest:
    """Only the manifest (the first member): cheap enough to list many archives."""
    check_readable(path)
    try:
        with tarfile.open(path, mode="r|gz") as tar:
            return _first_manifest(tar, path)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"{path.name} is truncated or corrupt ({_short(exc)})") from None


def _first_manifest(tar: tarfile.TarFile, path: Path) -> Manifest:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise ArchiveError(f"{path.name} is not a SkillHub backup (manifest.json is not its first file)")
    if first.size > MAX_MANIFEST_BYTES:
        raise ArchiveError(f"{path.name}: manifest.json is implausibly large")
    handle = tar.extractfile(first)
    assert handle is not None
    return Manifest.from_json(handle.read())


def _short(exc: BaseException) -> str:
    return (str(exc) or exc.__class__.__name__).splitlines()[0][:120]


def verify(path: Path, extract_to: Path | None = None, on_bytes: BytesCallback | None = None) -> Manifest:
    """Check `path` against its manifest, unpacking into `extract_to` when given; ArchiveError if not intact."""
    check_readable(path)
    try:
        with open(path, "rb") as raw, gzip.GzipFile(fileobj=_CountingReader(raw, on_bytes), mode="rb") as gz:
            with tarfile.open(fileobj=gz, mode="r|") as tar:
                manifest = _first_manifest(tar, path)
                line_counts = {c.data: c.documents for c in manifest.collections.values()}
                seen: set[str] = set()
                while (member := tar.next()) is not None:
                    _check_member(member, manifest, seen)
                    handle = tar.extractfile(member)
                    assert handle is not None
                    _check_content(member.name, handle, manifest.files[member.name], line_counts.get(member.name),
                                   extract_to)
                    seen.add(member.name)
            # The tar reader stops at its end marker; reading on checks the gzip CRC and length.
            while gz.read(CHUNK):
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"{path.name} is truncated or corrupt ({_short(exc)})") from None
    missing = sorted(set(manifest.files) - seen)
    if missing:
        raise ArchiveError(f"{path.name}: {missing[0]} is missing from the archive ({len(missing)} file(s) missing)")
    return manifest


def _check_member(member: tarfile.TarInfo, manifest: Manifest, seen: set[str]) -> None:
    name = member.name
    if name not in manifest.files:
        raise ArchiveError(f"the archive holds {name[:80]!r}, which its manifest does not list")
    if name in seen:
        raise ArchiveError(f"the archive holds {name} twice")
    if not member.isfile():
        raise ArchiveError(f"{name} is not a regular file in the archive")
    if member.size != manifest.files[name].size:
        raise ArchiveError(f"{name} is {member.size} bytes, the manifest says {manifest.files[name].size}")


def _check_content(name: str, handle: IO[bytes], expected: FileEntry, lines: int | None, extract_to: Path | None) -> None:
    sha = hashlib.sha256()
    counter = _DocumentCounter(is_bson_member(name)) if lines is not None else None
    out: IO[bytes] | None = None
    if extract_to is not None:
        target = extract_to / name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        out = open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    try:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            if counter is not None:
                counter.feed(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    if sha.hexdigest() != expected.sha256:
        raise ArchiveError(f"{name}: SHA-256 does not match the manifest (the archive was altered or damaged)")
    if counter is not None and not counter.whole:
        raise ArchiveError(f"{name} ends in the middle of a document")
    if counter is not None and counter.count != lines:
        raise ArchiveError(f"{name} holds {counter.count} documents, the manifest says {lines}")


class _DocumentCounter:
    """Counts a collection file's documents as its chunks go by: length-prefixed BSON documents
    (format 2), or lines of Extended JSON (format 1)."""

    def __init__(self, bson: bool) -> None:
        self._bson = bson
        self.count = 0
        self._skip = 0  # bytes left of the current document
        self._head = b""  # the first bytes of a length prefix cut by a chunk's end
        self._broken = False

    @property
    def whole(self) -> bool:
        return not (self._skip or self._head or self._broken)

    def feed(self, chunk: bytes) -> None:
        if not self._bson:
            self.count += chunk.count(b"\n")
            return
        at, end = 0, len(chunk)
        while at < end and not self._broken:
            if self._skip:
                step = min(self._skip, end - at)
                self._skip -= step
                at += step
                continue
            taken = chunk[at:at + 4 - len(self._head)]
            self._head += taken
            at += len(taken)
            if len(self._head) == 4:
                size = int.from_bytes(self._head, "little", signed=True)
                self._head = b""
                # The smallest document is 5 bytes: its length and its terminating zero.
                self._broken = size < 5
                self.count += 1
                self._skip = size - 4


@dataclass(frozen=True)
class ArchiveInfo:
    """One archive of the backup directory, for listings (the manifest, or why it cannot be read)."""

    path: Path
    size: int
    manifest: Manifest | None
    error: str | None


def _sort_key(path: Path) -> tuple[str, int]:
    match = ARCHIVE_NAME.match(path.name)
    assert match is not None
    return match.group(1), int(match.group(2) or 1)


def archives(directory: Path) -> list[Path]:
    """SkillHub archives in `directory`, oldest first (by the UTC time in their names)."""
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if ARCHIVE_NAME.match(p.name) and p.is_file()]
    return sorted(found, key=_sort_key)


def describe(path: Path) -> ArchiveInfo:
    try:
        return ArchiveInfo(path, path.stat().st_size, read_manifest(path), None)
    except ArchiveError as exc:
        return ArchiveInfo(path, path.stat().st_size, None, exc.message)


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives; only files named like SkillHub archives are touched."""
    found = archives(directory)
    doomed = found[: max(0, len(found) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed
