"""The token deny-list: revoked session ids, removed by a TTL index once they expire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from domain.repositories.mongo.documents import normalised, validate_update
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
        self._add(jti, {"user_id": user_id, "expires_at": expires_at, "revoked_at": now})

    def _add(self, jti: str, fields: dict[str, Any]) -> bool:
        """Insert the revocation `jti` unless present; True when it was new."""
        query = {"_id": jti}
        update = validate_update({"$setOnInsert": fields}, VALIDATOR, upsert_filter=query)
        return self.collection.update_one(query, update, upsert=True).upserted_id is not None

    def is_revoked(self, jti: str) -> bool:
        # Not relying on the TTL monitor's timing: an entry is authoritative until removed.
        return self.collection.count_documents({"_id": jti}, limit=1) > 0

    def entries(self) -> list[dict[str, Any]]:
        """Every revocation, checked against the validator so it can be written back (a restore
        carries them over, see BackupService); ValidationError naming the one that cannot."""
        checked = []
        for entry in self.collection.find({}):
            _, document, _ = normalised(entry, VALIDATOR, lambda: f"{SPEC.name} document {entry.get('_id')!r}")
            checked.append(document)
        return checked

    def keep(self, entries: list[dict[str, Any]]) -> int:
        """Re-add revocations missing from the collection; returns how many were added."""
        return sum(self._add(entry["_id"], {k: v for k, v in entry.items() if k != "_id"}) for entry in entries)

