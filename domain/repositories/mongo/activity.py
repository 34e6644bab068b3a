"""The `activity_logs` collection: one document per change, and per backup or restore (failed ones too)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

from domain.models.paging import Page, PageRequest
from domain.repositories.mongo.documents import validate
from domain.repositories.mongo.guard import guarded
from domain.repositories.mongo.specs import CollectionSpec, IndexSpec
from domain.repositories.mongo.writes import put_all

VALIDATOR: dict[str, Any] = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["actor_id", "actor_email", "action", "entity", "entity_id", "at"],
        "properties": {
            "actor_id": {"bsonType": ["int", "long"], "minimum": 0},
            "actor_email": {"bsonType": "string", "maxLength": 254},
            "action": {"bsonType": "string", "minLength": 1, "maxLength": 64},
            "entity": {"bsonType": "string", "minLength": 1, "maxLength": 64},
            "entity_id": {"bsonType": "string", "maxLength": 128},
            "at": {"bsonType": "date"},
            "details": {"bsonType": "object"},
            # Bulk actions and undo (issue 14): the entry's batch, its row, the batch's size, and
            # for an undo the batch it took back.
            "batch": {
                "bsonType": "object",
                "required": ["id", "row", "rows"],
                "properties": {
                    "id": {"bsonType": "string", "maxLength": 32},
                    "row": {"bsonType": ["int", "long"], "minimum": 0},
                    "rows": {"bsonType": ["int", "long"], "minimum": 1},
                    "undoes": {"bsonType": "string", "maxLength": 32},
                },
            },
        },
    }
}

SPEC = CollectionSpec(
    "activity_logs",
    VALIDATOR,
    [
        IndexSpec([("at", -1)], "at_desc"),
        IndexSpec([("actor_email", 1), ("at", -1)], "actor_at"),
        IndexSpec([("actor_id", 1), ("at", -1)], "actor_id_at"),
        IndexSpec([("action", 1), ("at", -1)], "action_at"),
        IndexSpec([("entity", 1), ("entity_id", 1), ("at", -1)], "entity_at"),
        IndexSpec([("batch.id", 1), ("batch.row", 1)], "batch_row"),
    ],
)


@dataclass(frozen=True)
class ActivityEntry:
    """One line of the activity log."""

    actor_id: int
    actor_email: str
    action: str
    entity: str
    entity_id: str
    at: datetime
    details: dict[str, Any]
    # {"id", "row", "rows"[, "undoes"]} for an entry that can be undone or is an undo; None before issue 14.
    batch: dict[str, Any] | None = None
    entry_id: str = ""

    @property
    def batch_id(self) -> str | None:
        return str(self.batch["id"]) if self.batch else None

    @property
    def batch_size(self) -> int:
        return int(self.batch["rows"]) if self.batch else 1


def _entry(d: dict[str, Any]) -> ActivityEntry:
    return ActivityEntry(d["actor_id"], d["actor_email"], d["action"], d["entity"], d["entity_id"], d["at"],
                         d.get("details") or {}, d.get("batch"), str(d["_id"]))


def _document(doc_id: str, entry: ActivityEntry) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": doc_id,
        "actor_id": entry.actor_id,
        "actor_email": entry.actor_email,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "at": entry.at,
        "details": entry.details,
    }
    if entry.batch:
        doc["batch"] = entry.batch
    return validate(doc, VALIDATOR)


@guarded
class ActivityRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db[SPEC.name]

    def put(self, doc_id: str, entry: ActivityEntry) -> None:
        """Write the document `doc_id`, replacing one already there (idempotent: replays write it once)."""
        put_all(self.collection, [_document(doc_id, entry)])

    def put_many(self, entries: builtins.list[tuple[str, ActivityEntry]]) -> None:
        """`put` for many documents, in one round trip unless some are already there."""
        if entries:
            put_all(self.collection, [_document(doc_id, entry) for doc_id, entry in entries])

    def list(self, page: PageRequest, actor_ids: Sequence[int] | None = None, action: str = "",
             batches: bool = False) -> Page[ActivityEntry]:
        """A page of the log, newest first: by the actors `actor_ids` (None: anyone) and the exact `action`;
        with `batches`, a batch of several rows is one entry (its first row)."""
        query: dict[str, Any] = {}
        if batches:
            # `null` matches the entries without a batch (single changes and those made before batches).
            query["batch.row"] = {"$in": [None, 0]}
        # Plain values only: a filter typed by a person is a value, never an operator.
        if actor_ids is not None:
            query["actor_id"] = {"$in": [int(actor_id) for actor_id in actor_ids]}
        if action:
            query["action"] = str(action).strip()
        total = self.collection.count_documents(query)
        cursor = (
            self.collection.find(query).sort([("at", DESCENDING), ("_id", DESCENDING)]).skip(page.offset).limit(page.size)
        )
        return Page([_entry(d) for d in cursor], total, page)

    def batch(self, batch_id: str, page: PageRequest) -> Page[ActivityEntry]:
        """The rows of one batch, in the order they were made."""
        query = {"batch.id": batch_id}
        total = self.collection.count_documents(query)
        cursor = self.collection.find(query).sort([("batch.row", 1)]).skip(page.offset).limit(page.size)
        return Page([_entry(d) for d in cursor], total, page)

    def actions(self) -> builtins.list[str]:
        return sorted(a for a in self.collection.distinct("action") if isinstance(a, str))
