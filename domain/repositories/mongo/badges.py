"""The `badges` (definitions) and `badge_awards` collections.

One active award per learner and badge is enforced by the server, not by timing:
- an award's `_id` is `"{badge}:{user}:{n}"` (n = 1 for the first award), so twenty
  concurrent evaluations that all decide to award insert the same `_id` and nineteen
  get a duplicate-key error;
- `slot` is `"{badge}:{user}"` while the award is held and becomes the award's own `_id`
  once it is revoked or replaced after expiry, under a unique index: two open awards of
  one badge for one learner cannot coexist whatever their `_id`.

Aggregates filter on two integer copies (epoch milliseconds) kept next to the dates:
`counts_until_ms`, the moment an award stops counting (its expiry, its revocation, or
FOREVER), and `awarded_ms`. "Counts now" is then one integer range, right on both
servers: nx-27017 compares dates wrongly in a top-level aggregate `$match`, evaluates
`$or` and null tests slowly, and returns a `$max` of dates as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.errors import Conflict
from domain.models.badges import (
    BONUS_MAX,
    THRESHOLD_MAX,
    VALIDITY_MAX_DAYS,
    BadgeAward,
    BadgeDefinition,
    BadgeRule,
    RuleType,
)
from domain.models.progress import Category
from domain.repositories.mongo.documents import validate, validate_update
from domain.repositories.mongo.guard import guarded
from domain.repositories.mongo.specs import CollectionSpec, IndexSpec

_CATEGORIES: list[str | None] = [c.value for c in Category]

BADGE_VALIDATOR: dict[str, Any] = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["_id", "name", "description", "rule", "bonus_points", "active", "version", "updated_at"],
        "properties": {
            "_id": {"bsonType": "string", "minLength": 2, "maxLength": 40},
            "name": {"bsonType": "string", "minLength": 3, "maxLength": 80},
            "description": {"bsonType": "string", "maxLength": 500},
            "rule": {
                "bsonType": "object",
                "required": ["type", "threshold"],
                "properties": {
                    "type": {"enum": [t.value for t in RuleType]},
                    "threshold": {"bsonType": ["int", "long"], "minimum": 1, "maximum": THRESHOLD_MAX},
                    "category": {"enum": [*_CATEGORIES, None]},
                },
            },
            "bonus_points": {"bsonType": ["int", "long"], "minimum": 0, "maximum": BONUS_MAX},
            "validity_days": {"bsonType": ["int", "long", "null"], "minimum": 1, "maximum": VALIDITY_MAX_DAYS},
            "active": {"bsonType": "bool"},
            "version": {"bsonType": ["int", "long"], "minimum": 1},
            "updated_at": {"bsonType": "date"},
            "updated_by": {"bsonType": ["int", "long"], "minimum": 0},
        },
    }
}

AWARD_VALIDATOR: dict[str, Any] = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["_id", "badge_code", "user_id", "slot", "awarded_at", "awarded_ms", "counts_until_ms",
                     "bonus_points", "evidence", "manual", "trigger", "badge_version"],
        "properties": {
            "_id": {"bsonType": "string", "maxLength": 80},
            "badge_code": {"bsonType": "string", "minLength": 2, "maxLength": 40},
            "user_id": {"bsonType": ["int", "long"], "minimum": 1},
            "slot": {"bsonType": "string", "maxLength": 80},
            "awarded_at": {"bsonType": "date"},
            "expires_at": {"bsonType": ["date", "null"]},
            "awarded_ms": {"bsonType": ["long", "int"]},
            "counts_until_ms": {"bsonType": ["long", "int"]},
            "bonus_points": {"bsonType": ["int", "long"], "minimum": 0, "maximum": BONUS_MAX},
            "category": {"enum": [*_CATEGORIES, None]},
            "evidence": {"bsonType": "object"},
            "manual": {"bsonType": "bool"},
            "reason": {"bsonType": ["string", "null"], "maxLength": 300},
            "trigger": {"bsonType": "string", "maxLength": 80},
            "badge_version": {"bsonType": ["int", "long"], "minimum": 1},
            "revoked_at": {"bsonType": ["date", "null"]},
            "revoked_by": {"bsonType": ["int", "long", "null"]},
            "revoke_reason": {"bsonType": ["string", "null"], "maxLength": 300},
            "revoked_by_rule": {"bsonType": "bool"},
            "revoke_trigger": {"bsonType": ["string", "null"], "maxLength": 80},
        },
    }
}

BADGES_SPEC = CollectionSpec("badges", BADGE_VALIDATOR, [IndexSpec([("active", 1), ("name", 1)], "active_name")])

AWARDS_SPEC = CollectionSpec(
    "badge_awards",
    AWARD_VALIDATOR,
    [
        IndexSpec([("slot", 1)], "open_slot", unique=True),
        IndexSpec([("user_id", 1), ("awarded_at", -1)], "user_awarded"),
        IndexSpec([("badge_code", 1), ("user_id", 1)], "badge_user"),
        IndexSpec([("trigger", 1)], "trigger"),
        IndexSpec([("awarded_at", -1)], "awarded_desc"),
    ],
)

IS_NULL: dict[str, Any] = {"$in": [None]}
# One group per learner: fetched in a few large batches rather than ~100 small ones.
GROUP_BATCH = 5000
# `counts_until_ms` of an award that never expires: 9999-12-31, the last BSON-friendly year.
FOREVER_MS = 253_402_214_400_000


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_epoch_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def award_id(code: str, user_id: int, n: int) -> str:
    return f"{code}:{user_id}:{n}"


def open_slot(code: str, user_id: int) -> str:
    return f"{code}:{user_id}"


def _award_document(award: BadgeAward, badge_version: int) -> dict[str, Any]:
    return validate(
        {
            "_id": award.id, "badge_code": award.badge_code, "user_id": award.user_id,
            "slot": open_slot(award.badge_code, award.user_id), "awarded_at": award.awarded_at,
            "awarded_ms": epoch_ms(award.awarded_at), "expires_at": award.expires_at,
            "counts_until_ms": epoch_ms(award.expires_at) if award.expires_at else FOREVER_MS,
            "bonus_points": award.bonus_points, "category": award.category.value if award.category else None,
            "evidence": award.evidence, "manual": award.manual, "reason": award.reason, "trigger": award.trigger,
            "badge_version": badge_version, "revoked_at": None, "revoked_by": None, "revoke_reason": None,
            "revoked_by_rule": False,
        },
        AWARD_VALIDATOR,
    )


def _definition(doc: dict[str, Any]) -> BadgeDefinition:
    rule = doc["rule"]
    return BadgeDefinition(
        code=doc["_id"],
        name=doc["name"],
        description=doc.get("description", ""),
        rule=BadgeRule(RuleType(rule["type"]), rule["threshold"],
                       Category(rule["category"]) if rule.get("category") else None),
        bonus_points=doc["bonus_points"],
        validity_days=doc.get("validity_days"),
        active=doc["active"],
        version=doc["version"],
        updated_at=doc["updated_at"],
    )


def _award(doc: dict[str, Any]) -> BadgeAward:
    return BadgeAward(
        id=doc["_id"],
        badge_code=doc["badge_code"],
        user_id=doc["user_id"],
        awarded_at=doc["awarded_at"],
        expires_at=doc.get("expires_at"),
        bonus_points=doc["bonus_points"],
        category=Category(doc["category"]) if doc.get("category") else None,
        evidence=dict(doc.get("evidence") or {}),
        manual=doc["manual"],
        reason=doc.get("reason"),
        # nx-27017 stores a date given to `$set` as text: the revocation time is read from its
        # integer copy instead (revoke() sets counts_until_ms to it), which both servers keep exactly.
        revoked_at=from_epoch_ms(doc["counts_until_ms"]) if doc.get("revoked_at") is not None else None,
        revoked_by=doc.get("revoked_by"),
        revoke_reason=doc.get("revoke_reason"),
        revoked_by_rule=bool(doc.get("revoked_by_rule", False)),
        trigger=doc["trigger"],
        revoke_trigger=doc.get("revoke_trigger"),
    )


def active_award_match(now: datetime) -> dict[str, Any]:
    """Awards that count at `now`: neither revoked nor expired by then."""
    return {"counts_until_ms": {"$gt": epoch_ms(now)}}


@guarded
class BadgeRepository:
    """Badge definitions, keyed by their code."""

    def __init__(self, db: Database) -> None:
        self.collection = db[BADGES_SPEC.name]

    def all(self) -> list[BadgeDefinition]:
        return sorted((_definition(d) for d in self.collection.find({})), key=lambda b: (b.name.lower(), b.code))

    def get(self, code: str) -> BadgeDefinition | None:
        doc = self.collection.find_one({"_id": code})
        return _definition(doc) if doc else None

    def save(self, definition: BadgeDefinition, updated_by: int) -> None:
        """Insert version 1, or replace version n-1 by n; Conflict if someone saved in between."""
        rule: dict[str, Any] = {"type": definition.rule.type.value, "threshold": definition.rule.threshold,
                                "category": definition.rule.category.value if definition.rule.category else None}
        doc = validate(
            {
                "_id": definition.code, "name": definition.name, "description": definition.description, "rule": rule,
                "bonus_points": definition.bonus_points, "validity_days": definition.validity_days,
                "active": definition.active, "version": definition.version, "updated_at": definition.updated_at,
                "updated_by": updated_by,
            },
            BADGE_VALIDATOR,
        )
        if definition.version == 1:
            try:
                self.collection.insert_one(doc)
            except DuplicateKeyError:
                raise Conflict(f"A badge with the code {definition.code} already exists.") from None
            return
        result = self.collection.replace_one({"_id": definition.code, "version": definition.version - 1}, doc)
        if result.matched_count != 1:
            raise Conflict("Someone else changed this badge meanwhile: reload it and preview again.")


@guarded
class AwardRepository:
    """Awards of badges to learners, and the badge part of scores."""

    def __init__(self, db: Database) -> None:
        self.collection = db[AWARDS_SPEC.name]

    def insert(self, award: BadgeAward, badge_version: int) -> bool:
        """Store a new open award; False when that award (or another open one) already exists."""
        try:
            self.collection.insert_one(_award_document(award, badge_version))
        except DuplicateKeyError:
            return False
        return True

    def insert_many(self, awards: list[tuple[BadgeAward, int]]) -> int:
        """Store many new awards at once (award, badge version); returns how many were new."""
        if not awards:
            return 0
        try:
            return len(self.collection.insert_many([_award_document(a, v) for a, v in awards], ordered=False)
                       .inserted_ids)
        except BulkWriteError as exc:
            return int(exc.details.get("nInserted", 0))

    def _find(self, match: dict[str, Any]) -> list[BadgeAward]:
        docs = self.collection.aggregate([{"$match": match}, {"$sort": {"awarded_at": -1, "_id": 1}}])
        return [_award(d) for d in docs]

    def for_user(self, user_id: int) -> list[BadgeAward]:
        """Every award of one learner (held, expired and revoked), newest first."""
        return self._find({"user_id": user_id})

    def for_badge(self, code: str) -> list[BadgeAward]:
        return self._find({"badge_code": code})

    def triggered_by(self, trigger: str) -> list[BadgeAward]:
        return self._find({"trigger": trigger})

    def revoke(self, award_id: str, by: int | None, reason: str, now: datetime, by_rule: bool = False,
               trigger: str | None = None) -> bool:
        """Close an open award (its slot frees up); False if it was already revoked.

        `trigger` names the step that made a rule no longer met (`progress:<outbox id>`)."""
        closing: dict[str, Any] = {"revoked_at": now, "revoked_by": by, "revoke_reason": reason,
                                   "revoked_by_rule": by_rule, "slot": award_id, "counts_until_ms": epoch_ms(now)}
        if trigger is not None:
            closing["revoke_trigger"] = trigger
        update = validate_update({"$set": closing}, AWARD_VALIDATOR)
        result = self.collection.update_one({"_id": award_id, "revoked_at": IS_NULL}, update)
        return result.modified_count == 1

    def reopen(self, award: BadgeAward, bonus_points: int, category: Category | None) -> bool:
        """Give back an award a rule change closed, as it was (same `_id`, same `awarded_at`),
        with the badge's current bonus and category; False if the learner holds the badge meanwhile."""
        until = epoch_ms(award.expires_at) if award.expires_at else FOREVER_MS
        try:
            result = self.collection.update_one(
                {"_id": award.id, "revoked_by_rule": True},
                {"$set": {"slot": open_slot(award.badge_code, award.user_id), "revoked_at": None, "revoked_by": None,
                          "revoke_reason": None, "revoked_by_rule": False, "revoke_trigger": None,
                          "counts_until_ms": until, "bonus_points": bonus_points,
                          "category": category.value if category else None}},
            )
        except DuplicateKeyError:
            return False
        return result.modified_count == 1

    def revoked_by_trigger(self, user_id: int, trigger: str) -> list[BadgeAward]:
        """The awards of one learner a given step took back (through the `user_awarded` index)."""
        return self._find({"user_id": user_id, "revoke_trigger": trigger})

    def release_slot(self, award_id: str) -> None:
        """Free the slot of an expired award so the badge can be awarded again."""
        self.collection.update_one({"_id": award_id}, validate_update({"$set": {"slot": award_id}}, AWARD_VALIDATOR))

    def update_held(self, code: str, bonus_points: int, category: Category | None, now: datetime) -> int:
        """Give the held awards of a badge its new bonus and category (after a rule change)."""
        result = self.collection.update_many(
            {"badge_code": code, **active_award_match(now)},
            validate_update({"$set": {"bonus_points": bonus_points, "category": category.value if category else None}},
                            AWARD_VALIDATOR),
        )
        return result.modified_count

    def bonus_parts(self, now: datetime, user_ids: list[int] | None = None, category: Category | None = None,
                    since: datetime | None = None) -> dict[int, tuple[int, datetime | None]]:
        """User id → (bonus of the awards that count now, time of the latest of them): one `$group`.

        Grouped on one field: nx-27017 mishandles compound `_id`s."""
        match: dict[str, Any] = active_award_match(now)
        if user_ids is not None:
            match["user_id"] = user_ids[0] if len(user_ids) == 1 else {"$in": list(user_ids)}
        if category is not None:
            match["category"] = category.value
        if since is not None:
            match["awarded_ms"] = {"$gte": epoch_ms(since)}
        pipeline = [
            {"$match": match},
            {"$group": {"_id": "$user_id", "bonus": {"$sum": "$bonus_points"}, "last": {"$max": "$awarded_ms"}}},
        ]
        return {row["_id"]: (int(row["bonus"]), from_epoch_ms(row["last"]) if row.get("last") is not None else None)
                for row in self.collection.aggregate(pipeline, batchSize=GROUP_BATCH)}

    def scoring_rows(self, user_ids: list[int] | None = None) -> list[tuple[str, int, int, int, int, str | None]]:
        """Every award of some learners (all when None) as (id, user, awarded_ms, counts_until_ms,
        bonus, category): what the leaderboard's maintained figures copy."""
        match: dict[str, Any] = {}
        if user_ids is not None:
            match["user_id"] = user_ids[0] if len(user_ids) == 1 else {"$in": list(user_ids)}
        return [(d["_id"], int(d["user_id"]), int(d["awarded_ms"]), int(d["counts_until_ms"]), int(d["bonus_points"]),
                 d.get("category"))
                for d in self.collection.aggregate([{"$match": match}], batchSize=GROUP_BATCH)]
