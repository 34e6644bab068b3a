"""The `progress_events` collection: the append-only history of every progress step.

Written only by the outbox handler, one document per step under an `_id` derived from the
outbox record, so a replay rewrites the same document instead of adding a second one.
Reads go through `aggregate` ($match/$sort/$skip/$limit): on nx-27017 an indexed `find`
scans the collection (about 100 ms per 100k documents) while the same `$match` stage
uses the index; on MongoDB 7 both are index scans.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import BulkWriteError

from domain.models.paging import Page, PageRequest
from domain.models.progress import STREAK_KINDS, Category, EventKind, ProgressEvent
from domain.repositories.mongo.documents import validate
from domain.repositories.mongo.guard import guarded
from domain.repositories.mongo.specs import CollectionSpec, IndexSpec

VALIDATOR: dict[str, Any] = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["user_id", "challenge_id", "kind", "percent", "points", "by", "at", "day", "category"],
        "properties": {
            "user_id": {"bsonType": ["int", "long"], "minimum": 1},
            "challenge_id": {"bsonType": ["int", "long"], "minimum": 1},
            "kind": {"enum": [k.value for k in EventKind]},
            "percent": {"bsonType": ["int", "long"], "minimum": 0, "maximum": 100},
            "points": {"bsonType": ["int", "long"], "minimum": 0, "maximum": 1000},
            "by": {"bsonType": ["int", "long"], "minimum": 0},
            "at": {"bsonType": "date"},
            # The UTC calendar day of `at`, stored so the streak rule can group on it.
            "day": {"bsonType": "string", "minLength": 10, "maxLength": 10},
            "reason": {"bsonType": ["string", "null"], "maxLength": 300},
            "category": {"enum": [c.value for c in Category]},
            # The outbox record's id: orders steps taken at the same instant (`_id` is text,
            # so "progress:10" would sort before "progress:9").
            "seq": {"bsonType": ["int", "long"], "minimum": 1},
        },
    }
}

SPEC = CollectionSpec(
    "progress_events",
    VALIDATOR,
    # Every read is one learner's history (timeline, streak days); each extra index would
    # slow down the writes of the busiest collection for no query.
    [IndexSpec([("user_id", 1), ("at", -1)], "user_at")],
)


def event_document(user_id: int, challenge_id: int, kind: EventKind, percent: int, points: int, by: int,
                   at: datetime, reason: str | None, category: Category) -> dict[str, Any]:
    """The document for one step (also the outbox payload that carries it)."""
    return validate(
        {
            "user_id": user_id,
            "challenge_id": challenge_id,
            "kind": kind.value,
            "percent": percent,
            "points": points,
            "by": by,
            "at": at,
            "day": at.astimezone(UTC).date().isoformat(),
            "reason": reason,
            "category": category.value,
        },
        VALIDATOR,
    )


def _event(doc: dict[str, Any]) -> ProgressEvent:
    return ProgressEvent(
        id=str(doc["_id"]),
        user_id=doc["user_id"],
        challenge_id=doc["challenge_id"],
        kind=EventKind(doc["kind"]),
        percent=doc["percent"],
        points=doc["points"],
        by=doc["by"],
        at=doc["at"],
        reason=doc.get("reason"),
        category=Category(doc["category"]),
    )


@guarded
class ProgressEventRepository:
    """Append (idempotently) and read progress history."""

    def __init__(self, db: Database) -> None:
        self.collection = db[SPEC.name]

    def put(self, event_id: str, document: dict[str, Any], seq: int | None = None) -> None:
        """Write the step `event_id` (`seq` orders it among steps of the same instant); writing it
        again leaves one identical document."""
        # The replacement names its `_id`: nx-27017's upsert ignores the filter's and would
        # insert a second document under a fresh ObjectId on every replay.
        doc = validate({"_id": event_id, **{k: v for k, v in document.items() if k != "_id"},
                        **({"seq": seq} if seq is not None else {})}, VALIDATOR)
        self.collection.replace_one({"_id": event_id}, doc, upsert=True)

    def put_many(self, documents: list[tuple[str, dict[str, Any]]]) -> int:
        """Bulk-load new steps (id, document), e.g. an import; ids already present are skipped."""
        if not documents:
            return 0
        docs = [validate({"_id": event_id, **doc}, VALIDATOR) for event_id, doc in documents]
        try:
            return len(self.collection.insert_many(docs, ordered=False).inserted_ids)
        except BulkWriteError as exc:
            return int(exc.details.get("nInserted", 0))

    def page_for_user(self, user_id: int, page: PageRequest) -> Page[ProgressEvent]:
        """A learner's history, newest first."""
        match = {"$match": {"user_id": user_id}}
        counted = list(self.collection.aggregate([match, {"$count": "n"}]))
        total = counted[0]["n"] if counted else 0
        docs = self.collection.aggregate(
            [match, {"$sort": {"at": -1, "seq": -1, "_id": -1}}, {"$skip": page.offset}, {"$limit": page.size}]
        )
        return Page([_event(d) for d in docs], total, page)

    def active_days(self, user_ids: list[int] | None = None) -> dict[int, list[date]]:
        """Days with progress per learner (all learners when `user_ids` is None): one $group."""
        match: dict[str, Any] = {"kind": {"$in": [k.value for k in STREAK_KINDS]}}
        if user_ids is not None:
            match["user_id"] = user_ids[0] if len(user_ids) == 1 else {"$in": list(user_ids)}
        pipeline = [{"$match": match}, {"$group": {"_id": "$user_id", "days": {"$addToSet": "$day"}}}]
        return {
            row["_id"]: [date.fromisoformat(d) for d in row["days"] if isinstance(d, str)]
            for row in self.collection.aggregate(pipeline)
        }

