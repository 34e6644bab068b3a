"""Export and import whole MongoDB collections as BSON, the documents one after the other.

Generic over every collection of the database, so the modules' collections are covered
without a change here. BSON is what the server sends and stores: an export writes the bytes
as they come (no decoding, no encoding), and every type stays exact (an int32 stays an
int32, a date keeps its milliseconds, an ObjectId stays an ObjectId). `bsondump` (MongoDB's
database tools) prints such a file as JSON. Archives of format 1 hold canonical Extended
JSON, one document a line: they are still read (`prepare`).

The layout of a collection (creation options, validator, indexes) is taken from the server
and completed from the `CollectionSpec`s of the code: nx-27017 stores neither validators
nor index directions, and names indexes its own way, while MongoDB 7 keeps all of them.

A restore never bypasses validation (that needs more than MongoDB's readWrite role). Every
document is first brought back to the types its collection's validator declares and checked
(`prepare`): nx-27017 stores a date given to `$set` as text and an `Int64` given to `$set` as
an int, so its archives hold values MongoDB 7 would refuse. Only then is anything replaced.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import bson
from bson import json_util
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.database import Database

from domain.errors import ValidationError
from domain.infrastructure.archive_manifest import is_bson_member
from domain.repositories.mongo.documents import (
    UnsupportedSchema,
    compile_validator,
    normalised,
    normalised_bson,
)
from domain.repositories.mongo.guard import guarded, mongo_guard
from domain.repositories.mongo.schema import all_collections, existing_index_patterns
from domain.repositories.mongo.specs import CollectionSpec, IndexSpec

JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS
# The data dumps (`skillhub dumps`) are read by people and by mongoimport: relaxed mode.
RELAXED_JSON_OPTIONS = json_util.RELAXED_JSON_OPTIONS
# Dates come back timezone-aware, as everywhere else in SkillHub; the BSON is the same.
_READ_OPTIONS = JSON_OPTIONS.with_options(tz_aware=True)
RELAXED_READ_OPTIONS = RELAXED_JSON_OPTIONS.with_options(tz_aware=True)
BATCH = 1000
# Server bookkeeping, never part of a collection's definition.
_INDEX_NOISE = {"v", "ns", "background"}
_COLLECTION_NOISE = {"uuid"}

BatchCallback = Callable[[int], None]
_DONE = object()


def _prefetched(cursor: Iterable[RawBSONDocument], size: int = BATCH) -> Iterator[list[RawBSONDocument]]:
    """The cursor's documents in lists of `size`, read ahead by a thread (at most two lists
    wait). An error of the reader is raised here; leaving early stops the reader."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read() -> None:
        try:
            batch: list[RawBSONDocument] = []
            for document in cursor:
                batch.append(document)
                if len(batch) == size:
                    if not _offer(ready, batch, stop):
                        return
                    batch = []
            if batch and not _offer(ready, batch, stop):
                return
            _offer(ready, _DONE, stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread, which raises it
            _offer(ready, exc, stop)

    reader = threading.Thread(target=read, name="mongo-export-reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()
        close = getattr(cursor, "close", None)
        if close is not None:
            close()


def _offer(ready: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put `item` for the consumer unless it has stopped listening; False once it has."""
    while not stop.is_set():
        try:
            ready.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def encode(document: dict[str, Any], options: json_util.JSONOptions = JSON_OPTIONS) -> str:
    """One document as Extended JSON on one line (canonical unless told otherwise)."""
    return json_util.dumps(document, json_options=options)


def decode(line: str | bytes, options: json_util.JSONOptions = _READ_OPTIONS) -> Any:
    """The inverse of `encode` (pass RELAXED_READ_OPTIONS for relaxed text)."""
    return json_util.loads(line, json_options=options)


@dataclass(frozen=True)
class CollectionLayout:
    """Everything needed to recreate an empty collection: options, validator, indexes."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    indexes: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return encode({"name": self.name, "options": self.options, "indexes": self.indexes})

    @classmethod
    def from_json(cls, raw: str | bytes) -> CollectionLayout:
        data = decode(raw)
        if not isinstance(data.get("name"), str) or not isinstance(data.get("options"), dict) \
                or not isinstance(data.get("indexes"), list):
            raise ValueError("collection layout must have name, options and indexes")
        for index in data["indexes"]:
            if not isinstance(index, dict) or not isinstance(index.get("key"), list) or not index["key"]:
                raise ValueError(f"index of {data['name']} has no key")
        return cls(data["name"], data["options"], data["indexes"])


@dataclass(frozen=True)
class PreparedCollection:
    """A collection's documents, normalised and checked, as BSON in a scratch file."""

    name: str
    path: Path
    documents: int
    normalised: int

    def documents_iter(self) -> Iterator[Mapping[str, Any]]:
        """The documents, as raw BSON (inserted without being decoded and encoded again)."""
        with open(self.path, "rb") as fh:
            yield from bson.decode_file_iter(fh, CodecOptions(document_class=RawBSONDocument))


def checked_validator(layout: CollectionLayout) -> dict[str, Any] | None:
    """The validator MongoDB will enforce on the restored collection (None when it enforces none).

    ValidationError when the domain check cannot follow it: the server would then be the
    first to judge the documents, in the middle of the restore."""
    validator = layout.options.get("validator")
    if not validator or layout.options.get("validationLevel") == "off" \
            or layout.options.get("validationAction") == "warn":
        return None
    try:
        compile_validator(validator)
    except UnsupportedSchema as exc:
        raise ValidationError(f"collection {layout.name}: its validator cannot be checked before writing ({exc})") \
            from None
    return validator


def prepare(layout: CollectionLayout, source: Path, target: Path,
            on_batch: BatchCallback | None = None) -> PreparedCollection:
    """Read every document of an archive's collection file (BSON, or format 1's Extended JSON
    lines), normalise and check it against the collection's validator, and write it as BSON
    to `target`; ValidationError (or ValueError for a document that cannot be read) naming
    the first document that cannot be restored."""
    validator = checked_validator(layout)
    count = changed = 0

    def label(document: Any) -> str:
        return f"{layout.name} document {_shown_id(document)}"

    with open(target, "wb") as out:
        for data, paths in _checked(source, validator, label):
            out.write(data)
            count += 1
            changed += bool(paths)
            if on_batch is not None and count % BATCH == 0:
                on_batch(BATCH)
    if on_batch is not None and count % BATCH:
        on_batch(count % BATCH)
    return PreparedCollection(layout.name, target, count, changed)


def _checked(source: Path, validator: dict[str, Any] | None,
             label: Callable[[Any], str]) -> Iterator[tuple[bytes, list[str]]]:
    """Each document of `source` as checked BSON, with the paths normalisation changed."""
    with open(source, "rb") as fh:
        if not is_bson_member(source.name):
            for line in fh:
                if line.strip():
                    document = decode(line)
                    data, _, paths = normalised(document, validator, lambda: label(document))  # noqa: B023 - called in this iteration
                    yield data, paths
            return
        try:
            # Raw documents: each one's bytes as they are, decoded once by the check.
            for raw in bson.decode_file_iter(fh, CodecOptions(document_class=RawBSONDocument)):
                data, _, paths = normalised_bson(bytes(raw.raw), validator, label)
                yield data, paths
        except bson.errors.InvalidBSON as exc:
            raise ValueError(f"not a BSON document ({str(exc)[:120]})") from None


def _shown_id(document: Any) -> str:
    identifier = document.get("_id") if isinstance(document, dict) else None
    return repr(identifier)[:80] if not isinstance(identifier, str) else repr(identifier[:80])


def _spec_index(index: IndexSpec) -> dict[str, Any]:
    described: dict[str, Any] = {"key": [[name, direction] for name, direction in index.keys], "name": index.name}
    if index.unique:
        described["unique"] = True
    if index.expire_after_seconds is not None:
        described["expireAfterSeconds"] = index.expire_after_seconds
    return described


def merge_layout(name: str, options: dict[str, Any], server_indexes: list[dict[str, Any]],
                 spec: CollectionSpec | None) -> CollectionLayout:
    """The server's layout, with the code's validator and index definitions where it declares them."""
    options = {k: v for k, v in options.items() if k not in _COLLECTION_NOISE}
    declared = {ix.key_pattern(): ix for ix in spec.indexes} if spec else {}
    indexes: list[dict[str, Any]] = []
    for raw in server_indexes:
        index = {k: v for k, v in raw.items() if k not in _INDEX_NOISE}
        key = [[str(k), v] for k, v in dict(index.pop("key")).items()]
        if key and key[0][0] == "_fts":
            # A text index reports its internal key; it is recreated from its weights.
            key = [[name, "text"] for name in index.get("weights", {})]
        if [k for k, _ in key] == ["_id"]:
            continue
        match = declared.pop(tuple(k for k, _ in key), None)
        if match is not None:
            # The spec knows the directions and names; options the server reports stay.
            index.update(_spec_index(match))
        else:
            index["key"] = key
        indexes.append(index)
    indexes += [_spec_index(ix) for ix in declared.values()]
    if spec is not None:
        options = {**options, "validator": spec.validator, "validationLevel": "strict"}
    return CollectionLayout(name, options, indexes)


@guarded
class CollectionArchive:
    """Whole-collection export and import for backups (every collection of one database)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._specs = {spec.name: spec for spec in all_collections()}

    @property
    def database_name(self) -> str:
        return str(self.db.name)

    def ping(self) -> None:
        """Raise DatabaseUnavailable unless the server answers."""
        with mongo_guard():
            self.db.client.admin.command("ping")

    def server_version(self) -> str:
        return str(self.db.client.admin.command("buildInfo").get("version", "unknown"))

    def collection_names(self) -> list[str]:
        """Every collection of the database except the server's own (`system.*`), sorted."""
        return sorted(n for n in self.db.list_collection_names() if not n.startswith("system."))

    def estimated_count(self, name: str) -> int:
        return int(self.db[name].estimated_document_count())

    def count(self, name: str) -> int:
        return int(self.db[name].count_documents({}))

    def layout(self, name: str) -> CollectionLayout:
        # Filtered here, not by the server: nx-27017 ignores listCollections' filter.
        options = next((dict(c.get("options") or {}) for c in self.db.list_collections() if c["name"] == name), {})
        return merge_layout(name, options, [dict(ix) for ix in self.db[name].list_indexes()], self._specs.get(name))

    def export(self, name: str, out: IO[bytes], on_batch: BatchCallback | None = None) -> int:
        """Write every document of `name` to `out` as BSON, in `_id` order; return how many.

        The documents are written as the server sends them (raw BSON); a reader thread
        fetches the next batch while this one is written."""
        collection = self.db.get_collection(name, codec_options=CodecOptions(document_class=RawBSONDocument))
        written = 0
        for batch in _prefetched(collection.find({}).sort("_id", 1).batch_size(BATCH)):
            out.write(b"".join(raw.raw for raw in batch))
            written += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
        return written

    def drop_others(self, keep: Iterable[str]) -> list[str]:
        """Drop every collection not in `keep` (a restore leaves exactly the archive's)."""
        keep = set(keep)
        dropped = [n for n in self.collection_names() if n not in keep]
        for name in dropped:
            self.db.drop_collection(name)
        return dropped

    def replace(self, layout: CollectionLayout, documents: Iterable[Mapping[str, Any]],
                on_batch: BatchCallback | None = None) -> int:
        """Drop the collection, recreate it with its options, insert `documents` (already checked,
        see `prepare`), rebuild indexes. Needs only MongoDB's readWrite role."""
        self.db.drop_collection(layout.name)
        self.db.create_collection(layout.name, **layout.options)
        collection = self.db[layout.name]
        inserted = 0
        batch: list[Mapping[str, Any]] = []
        for document in documents:
            batch.append(document)
            if len(batch) == BATCH:
                inserted += self._insert(collection, batch, on_batch)
                batch = []
        if batch:
            inserted += self._insert(collection, batch, on_batch)
        # Indexes last: building once over the loaded data beats updating them per insert.
        for index in layout.indexes:
            options = {k: v for k, v in index.items() if k != "key"}
            collection.create_index([(k, v) for k, v in index["key"]], **options)
        return inserted

    @staticmethod
    def _insert(collection: Any, batch: list[Mapping[str, Any]], on_batch: BatchCallback | None) -> int:
        collection.insert_many(batch, ordered=True)
        if on_batch is not None:
            on_batch(len(batch))
        return len(batch)

    def index_patterns(self, name: str) -> set[tuple[str, ...]]:
        """Key patterns of the indexes `name` has (names differ between servers)."""
        return existing_index_patterns(self.db, name)
