"""MongoDB collections, validators and indexes — the init code, idempotent.

Each repository module declares its collections as `CollectionSpec`s (`specs.py`) next to
its queries; this registry gathers them (`all_collections`), and `init_mongo` creates what
is missing and changes nothing the second time. Index names are ours; nx-27017 names indexes its own way,
so checks compare key patterns, not names.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database
from pymongo.errors import CollectionInvalid, OperationFailure

from domain.repositories.mongo import activity, auth_events, badges, comments, denylist, progress_events, registrations
from domain.repositories.mongo.guard import mongo_guard
from domain.repositories.mongo.specs import CollectionSpec


def all_collections() -> list[CollectionSpec]:
    """Every collection SkillHub owns, gathered from the repositories that own them."""
    return [
        activity.SPEC, auth_events.SPEC, denylist.SPEC,
        registrations.SPEC, registrations.EVENTS_SPEC, comments.SPEC,  # workshops
        progress_events.SPEC, badges.BADGES_SPEC, badges.AWARDS_SPEC,  # progress and badges
    ]


def existing_index_patterns(db: Database, name: str) -> set[tuple[str, ...]]:
    return {tuple(ix["key"].keys()) for ix in db[name].list_indexes()}


def init_mongo(db: Database) -> list[str]:
    """Create missing collections (with validators) and indexes; return what was done."""
    done: list[str] = []
    with mongo_guard():
        present = set(db.list_collection_names())
        for spec in all_collections():
            if spec.name not in present:
                try:
                    db.create_collection(spec.name, validator=spec.validator, validationLevel="strict")
                    done.append(f"created collection {spec.name}")
                except CollectionInvalid:
                    pass
            else:
                try:
                    db.command("collMod", spec.name, validator=spec.validator, validationLevel="strict")
                except OperationFailure:
                    pass
            patterns = existing_index_patterns(db, spec.name)
            for index in spec.indexes:
                if index.key_pattern() in patterns:
                    continue
                options: dict[str, Any] = {"name": index.name, "unique": index.unique}
                if index.expire_after_seconds is not None:
                    options["expireAfterSeconds"] = index.expire_after_seconds
                db[spec.name].create_index(index.keys, **options)
                done.append(f"created index {spec.name}.{index.name}")
    return done


def missing_indexes(db: Database) -> list[str]:
    """Indexes a spec declares that the server does not have (used by doctor and tests)."""
    missing: list[str] = []
    with mongo_guard():
        for spec in all_collections():
            patterns = existing_index_patterns(db, spec.name)
            missing += [f"{spec.name}.{ix.name}" for ix in spec.indexes if ix.key_pattern() not in patterns]
    return missing



class MongoSchema:
    """The init code and the index check bound to one database (what `doctor` needs of them)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def init(self) -> list[str]:
        return init_mongo(self._db)

    def missing_indexes(self) -> list[str]:
        return missing_indexes(self._db)
