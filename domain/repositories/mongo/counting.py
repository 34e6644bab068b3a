"""Counting documents in a way both MongoDB 7 and nx-27017 answer quickly."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection


def count(collection: Collection[Any], query: dict[str, Any]) -> int:
    """Documents matching `query`, counted by a `$match` + `$count` pipeline.

    The same answer as `count_documents` on MongoDB 7; on nx-27017 about a hundred times
    faster, because its `count_documents` pipeline groups on a constant key, a slow path
    there (5,000 documents: 1.3 ms instead of 200 ms)."""
    found = list(collection.aggregate([{"$match": query}, {"$count": "n"}]))
    return int(found[0]["n"]) if found else 0
