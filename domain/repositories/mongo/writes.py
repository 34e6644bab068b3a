"""Writes of documents whose `_id` is derived from an outbox record.

Replaying a record writes the same documents again, and after PostgreSQL alone was
restored an outbox id can come round again with new content: the record, in PostgreSQL,
is the truth, so what MongoDB holds under that `_id` is replaced. The usual case is a
document MongoDB has never seen: it is inserted in one round trip (an upsert costs a
lookup and then a write), and only the ids MongoDB refuses as duplicates are replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ReplaceOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

DUPLICATE_KEY = 11000


def put_all(collection: Collection[dict[str, Any]], documents: Sequence[dict[str, Any]]) -> None:
    """Insert `documents`, replacing those whose `_id` the collection already holds."""
    if not documents:
        return
    if len(documents) == 1:
        try:
            collection.insert_one(documents[0])
        except DuplicateKeyError:
            collection.replace_one({"_id": documents[0]["_id"]}, documents[0])
        return
    try:
        collection.insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        collection.bulk_write([ReplaceOne({"_id": documents[e["index"]]["_id"]}, documents[e["index"]])
                               for e in errors], ordered=False)
