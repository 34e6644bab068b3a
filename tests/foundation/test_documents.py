"""The domain's document check against MongoDB 7's `$jsonSchema` semantics (no server needed)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from bson import Int64

from domain.errors import ValidationError
from domain.repositories.mongo import documents
from domain.repositories.mongo.documents import (
    KEYWORDS,
    NOT_IMPLEMENTED,
    UnsupportedSchema,
    UnsupportedUpdate,
    compile_validator,
    normalised,
    validate,
    validate_update,
)
from domain.repositories.mongo.schema import all_collections
from domain.repositories.mongo.specs import CollectionSpec
from tests.foundation.document_cases import CASES, validator_for


@pytest.mark.parametrize(("schema", "value", "accepted"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_keyword_decides_as_mongodb_7(schema: dict[str, Any], value: Any, accepted: bool) -> None:
    validator = validator_for(schema)
    if accepted:
        validate({"v": value}, validator)
    else:
        with pytest.raises(ValidationError) as refused:
            validate({"v": value}, validator)
        assert refused.value.message.startswith("v")
        assert "\n" not in refused.value.message


QUICK_EDGES: list[tuple[dict[str, Any], Any]] = [
    ({"bsonType": "string", "minLength": 2, "maxLength": 3}, value) for value in ("a", "ab", "abc", "abcd", "", 12, None)
] + [
    ({"bsonType": ["int", "long"], "minimum": 0, "maximum": 5}, value)
    for value in (-1, 0, 5, 6, Int64(0), Int64(6), True, False, 0.0, 2.5, "1")
] + [
    ({"bsonType": "int", "minimum": 1}, value) for value in (0, 1, Int64(1), True)
] + [
    ({"bsonType": "date"}, value) for value in (datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01", 0)
] + [
    ({"bsonType": "object"}, value) for value in ({}, {"a": 1}, [], "x")
] + [
    ({"bsonType": ["string", "null"], "maxLength": 3}, value) for value in ("abc", "abcd", None, 3, False)
] + [
    ({"bsonType": ["int", "null"], "minimum": 2}, value) for value in (1, 2, None, Int64(2), "2", 2.0)
] + [
    ({"bsonType": "int", "maxLength": 2}, value) for value in ("ab", 1, "abc")
] + [
    ({"enum": ["ok", "failed"]}, value) for value in ("ok", "OK", "failed", None, 1, ["ok"])
] + [
    ({"enum": ["1", 1]}, value) for value in ("1", 1, 1.0, Int64(1), True, "2")
] + [
    ({"bsonType": "int", "enum": ["a", 1]}, value) for value in ("a", 1, 2)
]


@pytest.mark.parametrize(("schema", "value"), [(c[1], c[2]) for c in CASES] + QUICK_EDGES)
def test_a_field_passed_on_the_quick_test_is_one_the_full_check_accepts(schema: dict[str, Any], value: Any) -> None:
    """The plain fields of a document skip the full check when a cheap test (type, length,
    integer bounds) says they pass: that test must never pass what the full check refuses."""
    compiled = compile_validator(validator_for(schema)).schema.properties["v"]
    if compiled.passes is not None and compiled.passes(value):
        assert compiled.error(value, "v") is None


def test_the_quick_test_covers_the_usual_fields_of_the_collections() -> None:
    """Types alone, string lengths and integer bounds: what most fields of SkillHub's collections declare."""
    activity = compile_validator(next(s for s in all_collections() if s.name == "activity_logs").validator).schema
    assert {name for name, field in activity.properties.items() if field.passes is not None} >= {
        "actor_id", "actor_email", "action", "entity", "entity_id", "at", "details"}
    events = compile_validator(next(s for s in all_collections() if s.name == "auth_events").validator).schema
    assert all(field.passes is not None for field in events.properties.values())


def _keywords(schema: Any) -> list[str]:
    """Every keyword used anywhere in a `$jsonSchema`, sub-schemas included."""
    if not isinstance(schema, dict):
        return []
    found = list(schema)
    for keyword, value in schema.items():
        if keyword in ("properties", "patternProperties"):
            found += [k for sub in value.values() for k in _keywords(sub)]
        elif keyword in ("items", "allOf", "anyOf", "oneOf") and isinstance(value, list):
            found += [k for sub in value for k in _keywords(sub)]
        elif keyword in ("items", "not", "additionalProperties", "additionalItems"):
            found += _keywords(value)
        elif keyword == "dependencies":
            found += [k for sub in value.values() for k in _keywords(sub)]
    return found


def test_every_collection_validator_uses_only_keywords_the_check_implements() -> None:
    specs = all_collections()
    assert specs
    for spec in specs:
        used = set(_keywords(spec.validator["$jsonSchema"]))
        assert used <= KEYWORDS, f"{spec.name} uses {used - KEYWORDS}"
        compile_validator(spec.validator)


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"properties": {"v": {"multipleOf": 2}}}, "'multipleOf' is not implemented"),
        ({"properties": {"v": {"encrypt": {}}}}, "'encrypt' is not implemented"),
        ({"properties": {"v": {"format": "email"}}}, "'format' is not supported by MongoDB"),
        ({"properties": {"v": {"minimun": 1}}}, "unknown keyword 'minimun'"),
        ({"properties": {"v": {"bsonType": "integr"}}}, "'integr' is not a type MongoDB knows"),
        ({"properties": {"v": {"type": "integer"}}}, "use bsonType int or long"),
        ({"properties": {"v": {"type": "string", "bsonType": "string"}}}, "cannot both be given"),
        ({"properties": {"v": {"exclusiveMinimum": True}}}, "exclusiveMinimum needs minimum"),
        ({"properties": {"v": {"minimum": 1, "exclusiveMinimum": 1}}}, "true or false"),
        ({"properties": {"v": {"enum": [1, 1.0]}}}, "the same value twice"),
        ({"properties": {"v": {"enum": []}}}, "non-empty"),
        ({"properties": {"v": {"required": []}}}, "non-empty array"),
        ({"properties": {"v": {"maxLength": -1}}}, "whole number"),
        ({"properties": {"v": {"pattern": "[[:alpha:]]"}}}, "PCRE and Python read differently"),
        ({"properties": {"v": {"pattern": "a\\Z"}}}, "PCRE and Python read differently"),
        ({"properties": {"v": {"pattern": "(?<name>a)"}}}, "does not compile"),
        ({"properties": {"a.b": {}}}, "dotted"),
    ],
    ids=["multipleOf", "encrypt", "format", "misspelt", "unknown-bsonType", "integer", "type-and-bsonType",
         "exclusive-without-bound", "exclusive-draft6", "enum-duplicate", "enum-empty", "required-empty",
         "negative-length", "posix-class", "backslash-Z", "named-group", "dotted-property"],
)
def test_a_validator_the_check_cannot_follow_is_refused_when_defined(schema: dict[str, Any], reason: str) -> None:
    with pytest.raises(UnsupportedSchema, match=reason.replace("(", r"\(").replace(")", r"\)")):
        CollectionSpec("probe", {"$jsonSchema": schema})


def test_every_keyword_the_check_does_not_implement_is_refused_wherever_it_appears() -> None:
    for keyword in sorted(NOT_IMPLEMENTED | documents.MONGODB_OMITS):
        for schema in ({keyword: 1}, {"properties": {"v": {"items": {keyword: 1}}}}, {"anyOf": [{keyword: 1}]}):
            with pytest.raises(UnsupportedSchema, match=f"keyword '{re.escape(keyword)}'"):
                compile_validator({"$jsonSchema": schema})


def test_a_validator_that_is_not_one_json_schema_is_refused() -> None:
    with pytest.raises(UnsupportedSchema, match="only a validator made of one \\$jsonSchema"):
        CollectionSpec("probe", {"v": {"$gt": 1}})


def test_values_pymongo_cannot_encode_are_refused_naming_the_field() -> None:
    validator = validator_for({})
    for value, reason in [(2**64, "8-byte ints"), (date(2026, 1, 1), "cannot encode object"),
                          ({1, 2}, "cannot encode object"), ("\ud800", "surrogates not allowed")]:
        with pytest.raises(ValidationError, match=reason) as refused:
            validate({"v": {"deep": [0, value]}}, validator)
        assert refused.value.message.startswith("v.deep[1] cannot be stored in MongoDB")


def test_messages_name_the_field_and_what_was_found() -> None:
    validator = {"$jsonSchema": {"required": ["a"], "properties": {
        "a": {"bsonType": ["int", "long"], "minimum": 1}, "b": {"properties": {"c": {"enum": ["x", "y"]}}}}}}
    cases = [({}, "a is required"), ({"a": True}, "a must be of type int or long, not bool"),
             ({"a": 0}, "a must be at least 1"), ({"a": 1, "b": {"c": "z"}}, "b.c must be one of x, y")]
    for document, message in cases:
        with pytest.raises(ValidationError) as refused:
            validate(document, validator)
        assert refused.value.message == message
    with pytest.raises(ValidationError, match=r"must be at least 1 \(got NaN\)"):
        validate({"a": float("nan")}, {"$jsonSchema": {"properties": {"a": {"minimum": 1}}}})


# -- updates --------------------------------------------------------------------------------------

AWARDISH = {"$jsonSchema": {"bsonType": "object", "required": ["_id", "at"], "additionalProperties": False,
                            "properties": {"_id": {"bsonType": "string"}, "at": {"bsonType": "date"},
                                           "n": {"bsonType": ["int", "long"], "maximum": 10}}}}


def test_a_set_is_checked_field_by_field() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    update = {"$set": {"at": now, "n": 10}}
    assert validate_update(update, AWARDISH) is update
    with pytest.raises(ValidationError, match="n must be at most 10"):
        validate_update({"$set": {"n": 11}}, AWARDISH)
    with pytest.raises(ValidationError, match="at must be of type date, not string"):
        validate_update({"$set": {"at": "2026-11-22"}}, AWARDISH)
    with pytest.raises(ValidationError, match="unexpected field 'extra'"):
        validate_update({"$set": {"extra": 1}}, AWARDISH)


def test_an_upsert_checks_the_document_it_would_insert() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    validate_update({"$setOnInsert": {"at": now}}, AWARDISH, upsert_filter={"_id": "a"})
    with pytest.raises(ValidationError, match="_id must be of type string, not int"):
        validate_update({"$setOnInsert": {"at": now}}, AWARDISH, upsert_filter={"_id": 7})
    with pytest.raises(ValidationError, match="at is required"):
        validate_update({"$set": {"n": 1}}, AWARDISH, upsert_filter={"_id": "a"})
    with pytest.raises(ValidationError, match="n must be at most 10"):
        validate_update({"$setOnInsert": {"n": 11}}, AWARDISH)


def test_updates_the_check_cannot_judge_without_the_document_are_refused() -> None:
    with pytest.raises(UnsupportedUpdate, match=r"\$inc"):
        validate_update({"$inc": {"n": 1}}, AWARDISH)
    with pytest.raises(UnsupportedUpdate, match="dotted"):
        validate_update({"$set": {"a.b": 1}}, AWARDISH)
    with pytest.raises(UnsupportedUpdate, match="whole document"):
        validate_update({"$set": {"n": 1}}, {"$jsonSchema": {"maxProperties": 3}})


# -- normalising (restores) -----------------------------------------------------------------------

RESTORED = {"$jsonSchema": {"properties": {
    "at": {"bsonType": "date"}, "maybe": {"bsonType": ["date", "null"]}, "free": {"bsonType": ["string", "date"]},
    "big": {"bsonType": "long"}, "small": {"bsonType": "int"}, "ratio": {"bsonType": "double"},
    "nested": {"properties": {"when": {"bsonType": "date"}}}, "list": {"items": {"bsonType": "date"}},
    "flag": {"bsonType": "bool"},
}}}


def test_text_dates_and_number_types_come_back_to_the_declared_type() -> None:
    document = {"at": "2026-02-02 10:11:12.345678", "maybe": "2026-02-02T10:11:12+02:00", "free": "2026-02-02 00:00:00",
                "big": 5, "small": Int64(7), "ratio": 3, "nested": {"when": "2026-02-02T00:00:00Z"},
                "list": ["2026-02-03 00:00:00"], "flag": 0}

    _, typed, changed = normalised(document, RESTORED)

    assert typed["at"] == datetime(2026, 2, 2, 10, 11, 12, 345000, tzinfo=UTC)
    assert typed["maybe"] == datetime(2026, 2, 2, 8, 11, 12, tzinfo=UTC)
    assert typed["free"] == "2026-02-02 00:00:00"  # text is allowed there: left alone
    assert type(typed["big"]) is Int64 and typed["big"] == 5
    assert type(typed["small"]) is int and typed["small"] == 7
    assert type(typed["ratio"]) is float and typed["ratio"] == 3.0
    assert typed["nested"]["when"] == datetime(2026, 2, 2, tzinfo=UTC)
    assert typed["list"] == [datetime(2026, 2, 3, tzinfo=UTC)]
    assert typed["flag"] is False
    assert sorted(changed) == ["at", "big", "flag", "list[0]", "maybe", "nested.when", "ratio", "small"]


def test_a_value_that_cannot_be_brought_back_is_refused_with_the_label() -> None:
    for document, message in [({"at": "yesterday"}, "at must be of type date, not string"),
                              ({"at": "2026-13-45 00:00:00"}, "at must be of type date, not string"),
                              ({"small": 2**40}, "small must be of type int, not long"),
                              ({"flag": 2}, "flag must be of type bool, not int"),
                              ({"ratio": 2**60 + 1}, "ratio must be of type double, not long")]:
        with pytest.raises(ValidationError) as refused:
            normalised(document, RESTORED, lambda: "probe document 'x'")
        assert refused.value.message == f"probe document 'x': {message}"


def test_a_valid_document_is_left_as_it_is() -> None:
    document = {"at": datetime(2026, 2, 2, tzinfo=UTC), "big": Int64(5)}
    data, typed, changed = normalised(document, RESTORED)
    assert changed == [] and typed == document
    assert data == documents.encoded(document)[0]
