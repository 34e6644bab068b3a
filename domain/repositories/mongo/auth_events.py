"""The `auth_events` collection: every login attempt, never the password.

`email` holds an email address or null, never other text: when what was typed in the
email field is not an address (a password typed in the wrong field, text no database
can store), `email` is null, `email_invalid` is true and `email_hmac` holds a keyed hash
of what was typed, so repeated attempts can be correlated without being readable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from domain.repositories.mongo.documents import validate
from domain.repositories.mongo.guard import guarded
from domain.repositories.mongo.specs import CollectionSpec, IndexSpec

OUTCOMES = ["success", "bad_credentials", "locked", "inactive", "logout"]

VALIDATOR: dict[str, Any] = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["email", "outcome", "at"],
        "properties": {
            "email": {"bsonType": ["string", "null"], "maxLength": 254},
            "email_invalid": {"bsonType": "bool"},
            "email_hmac": {"bsonType": "string", "minLength": 64, "maxLength": 64},
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

    def add(self, email: str | None, user_id: int | None, outcome: str, at: datetime, source: str = "tui",
            email_invalid: bool = False, email_hmac: str | None = None, method: str | None = None) -> None:
        """Record one attempt. `email` is an address, or None ("" counts as None) when there is
        none; `email_invalid` says something that is not an address was typed, and
        `email_hmac` is that text's keyed hash (None when it was not even text); `method` says
        how an SSH login authenticated (password or publickey)."""
        doc: dict[str, Any] = {"email": email or None, "user_id": user_id, "outcome": outcome, "at": at,
                               "source": source[:64]}
        if email_invalid:
            doc["email_invalid"] = True
        if email_hmac is not None:
            doc["email_hmac"] = email_hmac
        if method is not None:
            doc["method"] = method
        self.collection.insert_one(validate(doc, VALIDATOR))

    def anyone_logged_in(self) -> bool:
        """Whether any login ever succeeded (stops at the first one found)."""
        return self.collection.find_one({"outcome": "success"}, {"_id": 1}) is not None

    def recent(self, email: str, limit: int = 20) -> list[dict[str, Any]]:
        return list(self.collection.find({"email": email}, {"_id": 0}).sort("at", -1).limit(limit))
