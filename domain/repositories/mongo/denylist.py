"""The token deny-list: revoked session ids, removed by a TTL index once they expire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from domain.repositories.mongo.documents import validate
from domain.repositories.mongo.guard import guarded
from domain.repositories.mongo.schema import CollectionSpec, IndexSpec

VALIDATOR: dict[str, Any] = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["_id", "expires_at", "revoked_at"],
        "properties": {
            "_id": {"bsonType": "string", "maxLength": 64},
            "user_id": {"bsonType": ["int", "long"]},
            "expires_at": {"bsonType": "date"},
            "revoked_at": {"bsonType": "date"},
        },
    }
}

SPEC = CollectionSpec(
    "revoked_tokens", VALIDATOR, [IndexSpec([("expires_at", 1)], "expires_ttl", expire_after_seconds=0)]
)


@guarded
class TokenDenyList:
    def __init__(self, db: Database) -> None:
        self.collection = db[SPEC.name]

    def revoke(self, jti: str, user_id: int, expires_at: datetime, now: datetime) -> None:
        doc = {"_id": jti, "user_id": user_id, "expires_at": expires_at, "revoked_at": now}
        validate(doc, VALIDATOR)
        fields = {k: v for k, v in doc.items() if k != "_id"}
        self.collection.update_one({"_id": jti}, {"$setOnInsert": fields}, upsert=True)

    def is_revoked(self, jti: str) -> bool:
        # Not relying on the TTL monitor's timing: an entry is authoritative until removed.
        return self.collection.count_documents({"_id": jti}, limit=1) > 0

    def entries(self) -> list[dict[str, Any]]:
        """Every revocation, as stored (a restore carries them over, see BackupService)."""
        return list(self.collection.find({}))

    def keep(self, entries: list[dict[str, Any]]) -> int:
        """Re-add revocations missing from the collection; returns how many were added."""
        added = 0
        for entry in entries:
            fields = {k: v for k, v in entry.items() if k != "_id"}
            result = self.collection.update_one({"_id": entry["_id"]}, {"$setOnInsert": fields}, upsert=True)
            added += result.upserted_id is not None
        return added

