"""The `comments` collection: staff notes on a workshop, stored verbatim, newest first."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

from domain.models.paging import Page, PageRequest
from domain.models.workshops import COMMENT_MAX, Comment
from domain.repositories.mongo.counting import count
from domain.repositories.mongo.documents import validate
from domain.repositories.mongo.guard import guarded
from domain.repositories.mongo.specs import CollectionSpec, IndexSpec

VALIDATOR: dict[str, Any] = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["_id", "workshop_id", "author_id", "author_name", "body", "at"],
        "additionalProperties": False,
        "properties": {
            "_id": {"bsonType": "string", "maxLength": 64},
            "workshop_id": {"bsonType": ["int", "long"], "minimum": 1},
            "author_id": {"bsonType": ["int", "long"], "minimum": 0},
            "author_name": {"bsonType": "string", "maxLength": 120},
            "body": {"bsonType": "string", "minLength": 1, "maxLength": COMMENT_MAX},
            "at": {"bsonType": "date"},
        },
    }
}

SPEC = CollectionSpec("comments", VALIDATOR, [IndexSpec([("workshop_id", 1), ("at", -1)], "workshop_at")])


def _comment(doc: dict[str, Any]) -> Comment:
    return Comment(doc["_id"], doc["workshop_id"], doc["author_id"], doc["author_name"], doc["body"], doc["at"])


@guarded
class CommentRepository:
    """Write comments (from the outbox) and read them a page at a time."""

    def __init__(self, db: Database) -> None:
        self.collection = db[SPEC.name]

    def put(self, comment: Comment) -> None:
        """Insert or rewrite the comment `comment.id` (idempotent: replays write it once)."""
        doc = {
            "_id": comment.id,
            "workshop_id": comment.workshop_id,
            "author_id": comment.author_id,
            "author_name": comment.author_name,
            "body": comment.body,
            "at": comment.at,
        }
        self.collection.replace_one({"_id": comment.id}, validate(doc, VALIDATOR), upsert=True)

    def page(self, workshop_id: int, page: PageRequest) -> Page[Comment]:
        query = {"workshop_id": workshop_id}
        total = count(self.collection, query)
        cursor = self.collection.find(query).sort([("at", DESCENDING), ("_id", DESCENDING)]).skip(page.offset).limit(page.size)
        return Page([_comment(d) for d in cursor], total, page)

    def delete_for_workshops(self, workshop_ids: list[int]) -> int:
        if not workshop_ids:
            return 0
        return self.collection.delete_many({"workshop_id": {"$in": workshop_ids}}).deleted_count

    def workshop_ids(self) -> list[int]:
        return sorted(i for i in self.collection.distinct("workshop_id") if isinstance(i, int))
