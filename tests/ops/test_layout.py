"""How a collection's layout is recorded: the server's, completed from the code's specs."""

from __future__ import annotations

from bson import SON

from domain.repositories.mongo.archive import CollectionLayout, merge_layout
from domain.repositories.mongo.specs import CollectionSpec, IndexSpec

SPEC = CollectionSpec(
    "things",
    {"$jsonSchema": {"bsonType": "object", "required": ["a"]}},
    [IndexSpec([("a", 1), ("at", -1)], "a_at", unique=True), IndexSpec([("gone", 1)], "gone_ttl", expire_after_seconds=60)],
)


def test_spec_restores_what_nx_27017_forgets_and_server_only_indexes_are_kept() -> None:
    server_indexes = [
        {"v": 2, "key": SON([("_id", 1)]), "name": "_id_"},
        # nx-27017 reports its own name and loses the -1 direction.
        {"v": 2, "key": SON([("a", 1), ("at", 1)]), "name": "idx_things_a_at", "unique": True},
        {"v": 2, "key": SON([("extra", -1)]), "name": "extra_desc", "partialFilterExpression": {"extra": {"$gt": 0}}},
        {"v": 2, "key": SON([("_fts", "text"), ("_ftsx", 1)]), "name": "search", "weights": {"title": 1, "body": 1}},
    ]

    layout = merge_layout("things", {"uuid": "x"}, server_indexes, SPEC)

    assert layout.options == {"validator": SPEC.validator, "validationLevel": "strict"}
    assert layout.indexes == [
        {"unique": True, "key": [["a", 1], ["at", -1]], "name": "a_at"},
        {"name": "extra_desc", "partialFilterExpression": {"extra": {"$gt": 0}}, "key": [["extra", -1]]},
        {"name": "search", "weights": {"title": 1, "body": 1}, "key": [["title", "text"], ["body", "text"]]},
        # Declared by the code but missing on the server: recorded, so a restore creates it.
        {"key": [["gone", 1]], "name": "gone_ttl", "expireAfterSeconds": 60},
    ]


def test_collection_without_spec_keeps_the_server_options_and_round_trips_through_json() -> None:
    layout = merge_layout("loose", {"capped": True, "size": 4096}, [{"v": 2, "key": SON([("k", 1)]), "name": "k_1"}], None)

    again = CollectionLayout.from_json(layout.to_json())

    assert again == layout
    assert again.options == {"capped": True, "size": 4096}
    assert again.indexes == [{"name": "k_1", "key": [["k", 1]]}]
