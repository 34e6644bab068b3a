"""The `auth_events` collection: every login attempt, never the password."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from domain.repositories.mongo.documents import validate
from domain.repositories.mongo.guard import guarded
from domain.repositories.mongo.schema import CollectionSpec, IndexSpec

OUTCOMES = ["success", "bad_credentials", "locked", "inactive", "logout"]

VALIDATOR: dict[str, Any] = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["email", "outcome", "at"],
        "properties": {
            "email": {"bsonType": "string", "maxLength": 254},
            "user_id": {"bsonType": ["int", "long", "null"]},
            "outcome": {"enum": OUTCOMES},
            "at": {"bsonType": "date"},
            "source": {"bsonType": "string", "maxLength": 64},
            "method": {"enum": ["password", "publickey"]},
        },
    }
}

SPEC = CollectionSpec(
    "auth_events",
    VALIDATOR,
    [IndexSpec([("email", 1), ("at", -1)], "email_at"), IndexSpec([("at", -1)], "at_desc")],
)


@guarded
class AuthEventRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db[SPEC.name]

    def add(self, email: str, user_id: int | None, outcome: str, at: datetime, source: str = "tui",
            method: str | None = None) -> None:
        doc: dict[str, Any] = {"email": email[:254], "user_id": user_id, "outcome": outcome, "at": at,
                               "source": source[:64]}
        if method is not None:
            doc["method"] = method
        self.collection.insert_one(validate(doc, VALIDATOR))

    def recent(self, email: str, limit: int = 20) -> list[dict[str, Any]]:
        return list(self.collection.find({"email": email}, {"_id": 0}).sort("at", -1).limit(limit))
