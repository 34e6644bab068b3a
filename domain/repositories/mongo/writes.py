"""Writes of documents whose `_id` is deterministic (derived from an outbox record).

Replaying a record writes the same documents again. Inserting them and letting MongoDB
refuse the ones it already holds is one round trip, and cheaper than an upsert (a lookup,
then a write) on both MongoDB 7 and nx-27017; the content under a deterministic `_id`
never changes, so keeping the stored one loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

DUPLICATE_KEY = 11000


def insert_once(collection: Collection[dict[str, Any]], documents: Sequence[dict[str, Any]]) -> int:
    """Insert `documents`, leaving any `_id` the collection already holds as it is; returns how many were new."""
    if not documents:
        return 0
    if len(documents) == 1:
        try:
            collection.insert_one(documents[0])
            return 1
        except DuplicateKeyError:
            return 0
    try:
        return len(collection.insert_many(documents, ordered=False).inserted_ids)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        return int(exc.details.get("nInserted", 0))
