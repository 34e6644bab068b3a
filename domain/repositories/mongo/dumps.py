"""Collections as one MongoDB Extended JSON (relaxed) file for the data dumps, and back.

A dump file is one JSON object: `_layout` (what the file is and how it is organised),
then one key per collection, in name order, whose value is the array of its documents
in `_id` order, one document per line with its keys sorted (`_id` first). The text so
depends on the data alone, not on the order a server keeps fields in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from bson.codec_options import CodecOptions
from pymongo import ReplaceOne
from pymongo.database import Database

from domain.errors import ValidationError
from domain.repositories.mongo.archive import (
    RELAXED_JSON_OPTIONS,
    RELAXED_READ_OPTIONS,
    CollectionArchive,
    decode,
    encode,
)
from domain.repositories.mongo.badges import FOREVER_MS
from domain.repositories.mongo.documents import validate
from domain.repositories.mongo.guard import guarded
from domain.repositories.mongo.schema import all_collections

LAYOUT_KEY = "_layout"
_BATCH = 500
# Dates kept as something other than a BSON date, which a date shift must move too:
# epoch-millisecond copies of award dates (nx-27017's aggregates compare integers right,
# dates wrong), and ISO text (`day` keys of progress events, dates inside log details).
EPOCH_MS_FIELDS = frozenset({"awarded_ms", "counts_until_ms"})
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def document_line(document: dict[str, Any]) -> str:
    """One document as relaxed Extended JSON on one line: `_id` first, then keys sorted, at every level."""
    ordered = _sorted({k: v for k, v in document.items() if k != "_id"})
    return encode({"_id": document["_id"], **ordered} if "_id" in document else ordered, RELAXED_JSON_OPTIONS)


def render_dump(layout: dict[str, Any], collections: dict[str, list[dict[str, Any]]]) -> str:
    """The whole dump file: `_layout`, then each collection's documents, a line each."""
    parts = [f'  "{LAYOUT_KEY}": ' + json.dumps(layout, indent=2, ensure_ascii=False).replace("\n", "\n  ")]
    for name in sorted(collections):
        docs = collections[name]
        body = ",\n".join(f"    {document_line(doc)}" for doc in docs)
        parts.append(f"  {json.dumps(name)}: [\n{body}\n  ]" if docs else f"  {json.dumps(name)}: []")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def parse_dump(raw: str | bytes) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """(`_layout`, {collection: documents}) of a dump file; ValueError when it is not one."""
    data = decode(raw, RELAXED_READ_OPTIONS)
    if not isinstance(data, dict) or not isinstance(data.get(LAYOUT_KEY), dict):
        raise ValueError(f"not a SkillHub dump (no {LAYOUT_KEY!r} object at the top)")
    collections: dict[str, list[dict[str, Any]]] = {}
    for name, docs in data.items():
        if name == LAYOUT_KEY:
            continue
        if not isinstance(docs, list) or not all(isinstance(d, dict) and "_id" in d for d in docs):
            raise ValueError(f"{name!r} must be an array of documents that each have an _id")
        collections[name] = docs
    return data[LAYOUT_KEY], collections


def _shift_text(value: str, delta: timedelta) -> str:
    if _ISO_DAY.fullmatch(value):
        return (date.fromisoformat(value) + timedelta(days=delta.days)).isoformat()
    if _ISO_MOMENT.fullmatch(value):
        moment = datetime.fromisoformat(value)
        # Only text the code wrote with isoformat(), so the shifted text reads the same way.
        if moment.tzinfo is not None and moment.isoformat() == value:
            return (moment + delta).isoformat()
    return value


def shift_dates(value: Any, delta: timedelta, field: str = "") -> Any:
    """`value` with every date in it moved by `delta` (a whole number of days)."""
    if isinstance(value, dict):
        return {key: shift_dates(item, delta, key) for key, item in value.items()}
    if isinstance(value, list):
        return [shift_dates(item, delta, field) for item in value]
    if isinstance(value, datetime):
        return value + delta
    if isinstance(value, str):
        return _shift_text(value, delta)
    if field in EPOCH_MS_FIELDS and isinstance(value, int) and not isinstance(value, bool) and value != FOREVER_MS:
        return value + int(delta.total_seconds() * 1000)
    return value


@guarded
class DumpCollections:
    """Reads documents for a dump and writes a dump's documents back."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._archive = CollectionArchive(db)
        self._specs = {spec.name: spec for spec in all_collections()}

    def documents(self, name: str, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The documents of `name` matching `query`, in `_id` order."""
        collection = self.db.get_collection(name, codec_options=CodecOptions(tz_aware=True))
        return list(collection.find(query or {}).sort("_id", 1))

    def distinct(self, name: str, field: str) -> list[Any]:
        return sorted(self.db[name].distinct(field), key=str)

    def counts(self) -> dict[str, int]:
        """Documents per collection, for every collection of the database."""
        return {name: self._archive.count(name) for name in self._archive.collection_names()}

    def check(self, name: str, document: dict[str, Any]) -> None:
        """ValidationError when `document` breaks the validator of collection `name` (if it has one)."""
        spec = self._specs.get(name)
        if spec is not None:
            validate(document, spec.validator)

    def upsert(self, collections: Mapping[str, Iterable[dict[str, Any]]]) -> dict[str, int]:
        """Write each collection's documents by `_id` (replacing any with the same `_id`); how many per collection.

        Every document of every collection is checked before the first is written, so one
        that breaks its validator (ValidationError naming it) leaves MongoDB untouched."""
        checked: dict[str, list[dict[str, Any]]] = {}
        for name, documents in collections.items():
            checked[name] = list(documents)
            for document in checked[name]:
                try:
                    self.check(name, document)
                except ValidationError as exc:
                    raise ValidationError(f"{name} document {document.get('_id')!r}: {exc.message}",
                                          field=exc.field) from None
        return {name: self._upsert(name, documents) for name, documents in checked.items()}

    def _upsert(self, name: str, documents: list[dict[str, Any]]) -> int:
        written = 0
        batch: list[ReplaceOne] = []
        for document in documents:
            # The `_id` is in the replacement too: nx-27017's upsert ignores the filter's.
            batch.append(ReplaceOne({"_id": document["_id"]}, document, upsert=True))
            if len(batch) == _BATCH:
                written += self._write(name, batch)
                batch = []
        if batch:
            written += self._write(name, batch)
        return written

    def _write(self, name: str, batch: list[ReplaceOne]) -> int:
        self.db[name].bulk_write(batch, ordered=True)
        return len(batch)
