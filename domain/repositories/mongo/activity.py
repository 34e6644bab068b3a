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


@guarded
class ActivityRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db[SPEC.name]

    def put(self, doc_id: str, entry: ActivityEntry) -> None:
        """Insert or overwrite the document `doc_id` (idempotent: replays write it once)."""
        doc = {
            "actor_id": entry.actor_id,
            "actor_email": entry.actor_email,
            "action": entry.action,
            "entity": entry.entity,
            "entity_id": entry.entity_id,
            "at": entry.at,
            "details": entry.details,
        }
        # The _id is repeated in the replacement: nx-27017's upsert ignores the filter's _id
        # and inserts a fresh ObjectId, so a replay would add a second document.
        self.collection.replace_one({"_id": doc_id}, validate({"_id": doc_id, **doc}, VALIDATOR), upsert=True)

    def list(self, page: PageRequest, actor_ids: Sequence[int] | None = None, action: str = "") -> Page[ActivityEntry]:
        """A page of the log, newest first: by the actors `actor_ids` (None: anyone) and the exact `action`."""
        query: dict[str, Any] = {}
        # Plain values only: a filter typed by a person is a value, never an operator.
        if actor_ids is not None:
            query["actor_id"] = {"$in": [int(actor_id) for actor_id in actor_ids]}
        if action:
            query["action"] = str(action).strip()
        total = self.collection.count_documents(query)
        cursor = (
            self.collection.find(query).sort([("at", DESCENDING), ("_id", DESCENDING)]).skip(page.offset).limit(page.size)
        )
        items = [
            ActivityEntry(d["actor_id"], d["actor_email"], d["action"], d["entity"], d["entity_id"], d["at"],
                          d.get("details") or {})
            for d in cursor
        ]
        return Page(items, total, page)

    def actions(self) -> builtins.list[str]:
        return sorted(a for a in self.collection.distinct("action") if isinstance(a, str))
