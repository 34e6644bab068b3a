"""What MongoDB 7's `$jsonSchema` accepts, keyword by keyword: one table for the domain check
and, when the test server enforces validators (MongoDB 7, not nx-27017), for the server too.

Each case is (id, schema of the field `v`, value of `v`, accepted). Values are Python values
as a repository would hand them to pymongo, so the encoder's decisions are part of the case
(an int that fits 32 bits is sent as "int", a larger one as "long", Int64 always as "long").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import Binary, Decimal128, Int64, ObjectId, Regex, Timestamp

AT = datetime(2026, 11, 22, 9, 0, 0, 123000, tzinfo=UTC)
NAN = float("nan")

Case = tuple[str, dict[str, Any], Any, bool]

CASES: list[Case] = [
    # bsonType: the encoded BSON type decides
    ("int-small", {"bsonType": "int"}, 5, True),
    ("int-max32", {"bsonType": "int"}, 2**31 - 1, True),
    ("int-min32", {"bsonType": "int"}, -(2**31), True),
    ("int-above32-is-long", {"bsonType": "int"}, 2**31, False),
    ("int-below32-is-long", {"bsonType": "int"}, -(2**31) - 1, False),
    ("int-Int64-is-long", {"bsonType": "int"}, Int64(5), False),
    ("int-bool", {"bsonType": "int"}, True, False),
    ("int-float", {"bsonType": "int"}, 5.0, False),
    ("long-small-int-is-int", {"bsonType": "long"}, 5, False),
    ("long-large-int", {"bsonType": "long"}, 2**40, True),
    ("long-Int64", {"bsonType": "long"}, Int64(5), True),
    ("long-max64", {"bsonType": "long"}, 2**63 - 1, True),
    ("double-int", {"bsonType": "double"}, 1, False),
    ("double-float", {"bsonType": "double"}, 1.0, True),
    ("double-nan", {"bsonType": "double"}, NAN, True),
    ("double-decimal", {"bsonType": "double"}, Decimal128("1.5"), False),
    ("decimal-decimal", {"bsonType": "decimal"}, Decimal128("1.5"), True),
    ("decimal-float", {"bsonType": "decimal"}, 1.5, False),
    ("number-int", {"bsonType": "number"}, 1, True),
    ("number-Int64", {"bsonType": "number"}, Int64(1), True),
    ("number-float", {"bsonType": "number"}, 1.5, True),
    ("number-decimal", {"bsonType": "number"}, Decimal128("1.5"), True),
    ("number-bool", {"bsonType": "number"}, True, False),
    ("number-text", {"bsonType": "number"}, "1", False),
    ("bool-true", {"bsonType": "bool"}, True, True),
    ("bool-one", {"bsonType": "bool"}, 1, False),
    ("date-aware", {"bsonType": "date"}, AT, True),
    ("date-naive", {"bsonType": "date"}, datetime(2026, 1, 1), True),
    ("date-text", {"bsonType": "date"}, "2026-11-22 09:00:00", False),
    ("string", {"bsonType": "string"}, "x", True),
    ("string-int", {"bsonType": "string"}, 1, False),
    ("null", {"bsonType": "null"}, None, True),
    ("null-or-int-none", {"bsonType": ["int", "null"]}, None, True),
    ("objectId", {"bsonType": "objectId"}, ObjectId("650000000000000000000001"), True),
    ("objectId-text", {"bsonType": "objectId"}, "650000000000000000000001", False),
    ("object", {"bsonType": "object"}, {"a": 1}, True),
    ("object-array", {"bsonType": "object"}, [1], False),
    ("array-list", {"bsonType": "array"}, [1], True),
    ("array-tuple", {"bsonType": "array"}, (1, 2), True),
    ("binData-bytes", {"bsonType": "binData"}, b"\x00\x01", True),
    ("binData-Binary", {"bsonType": "binData"}, Binary(b"\x00", 5), True),
    ("regex", {"bsonType": "regex"}, Regex("^a"), True),
    ("timestamp", {"bsonType": "timestamp"}, Timestamp(1, 1), True),
    ("timestamp-date", {"bsonType": "timestamp"}, AT, False),
    # type: JSON types
    ("type-number-int", {"type": "number"}, 1, True),
    ("type-number-Int64", {"type": "number"}, Int64(1), True),
    ("type-number-decimal", {"type": "number"}, Decimal128("2"), True),
    ("type-number-bool", {"type": "number"}, False, False),
    ("type-boolean", {"type": "boolean"}, False, True),
    ("type-boolean-int", {"type": "boolean"}, 0, False),
    ("type-string", {"type": "string"}, "x", True),
    ("type-string-date", {"type": "string"}, AT, False),
    ("type-object", {"type": "object"}, {}, True),
    ("type-array", {"type": "array"}, [], True),
    ("type-null", {"type": "null"}, None, True),
    ("type-list", {"type": ["string", "null"]}, None, True),
    ("type-list-refuses", {"type": ["string", "null"]}, 3, False),
    # enum: BSON equality
    ("enum-int", {"enum": [1, "a", None]}, 1, True),
    ("enum-float-equals-int", {"enum": [1, "a", None]}, 1.0, True),
    ("enum-Int64-equals-int", {"enum": [1, "a", None]}, Int64(1), True),
    ("enum-decimal-equals-int", {"enum": [1, "a", None]}, Decimal128("1.0"), True),
    ("enum-true-is-not-1", {"enum": [1, "a", None]}, True, False),
    ("enum-1-is-not-true", {"enum": [True]}, 1, False),
    ("enum-text-is-not-number", {"enum": [1, "a", None]}, "1", False),
    ("enum-null", {"enum": [1, "a", None]}, None, True),
    ("enum-case", {"enum": ["a"]}, "A", False),
    ("enum-object-any-order", {"enum": [{"a": 1, "b": 2}]}, {"b": 2, "a": 1}, True),
    ("enum-array-order", {"enum": [[1, 2]]}, [2, 1], False),
    ("enum-date-millisecond", {"enum": [AT]}, AT.replace(microsecond=123456), True),
    ("enum-nan", {"enum": [NAN]}, NAN, True),
    # minimum / maximum: numbers only, NaN fails
    ("min-equal", {"minimum": 0, "maximum": 10}, 0, True),
    ("max-equal", {"minimum": 0, "maximum": 10}, 10, True),
    ("min-below", {"minimum": 0, "maximum": 10}, -1, False),
    ("max-above", {"minimum": 0, "maximum": 10}, 11, False),
    ("max-above-float", {"minimum": 0, "maximum": 10}, 10.5, False),
    ("max-Int64", {"minimum": 0, "maximum": 10}, Int64(10), True),
    ("max-decimal", {"minimum": 0, "maximum": 10}, Decimal128("9.99"), True),
    ("range-nan", {"minimum": 0, "maximum": 10}, NAN, False),
    ("max-only-nan", {"maximum": 10}, NAN, False),
    ("min-only-nan", {"minimum": 0}, NAN, False),
    ("range-decimal-nan", {"minimum": 0, "maximum": 10}, Decimal128("NaN"), False),
    ("max-infinity", {"maximum": 10}, float("inf"), False),
    ("min-minus-infinity", {"minimum": 0}, float("-inf"), False),
    ("range-ignores-text", {"minimum": 0, "maximum": 10}, "100", True),
    ("range-ignores-bool", {"minimum": 5}, True, True),
    ("min-large-long", {"minimum": 2**40}, 2**40 - 1, False),
    ("exclusive-min-equal", {"minimum": 0, "exclusiveMinimum": True}, 0, False),
    ("exclusive-min-above", {"minimum": 0, "exclusiveMinimum": True}, 1e-9, True),
    ("exclusive-min-false", {"minimum": 0, "exclusiveMinimum": False}, 0, True),
    ("exclusive-max-equal", {"maximum": 10, "exclusiveMaximum": True}, 10, False),
    ("exclusive-max-below", {"maximum": 10, "exclusiveMaximum": True}, Decimal128("9.999"), True),
    ("exclusive-max-false", {"maximum": 10, "exclusiveMaximum": False}, 10.0, True),
    # strings: lengths in code points, pattern searched with ASCII classes
    ("maxLength-code-points", {"maxLength": 3}, "éèê", True),
    ("maxLength-over", {"maxLength": 3}, "éèêë", False),
    ("minLength-under", {"minLength": 2}, "a", False),
    ("length-ignores-numbers", {"maxLength": 1}, 12345, True),
    ("pattern-match", {"pattern": "^[a-z]+$"}, "abc", True),
    ("pattern-no-match", {"pattern": "^[a-z]+$"}, "abC", False),
    ("pattern-unanchored", {"pattern": "b"}, "abc", True),
    ("pattern-ascii-digit", {"pattern": "^\\d$"}, "\u0663", False),
    ("pattern-dollar-before-final-newline", {"pattern": "^a$"}, "a\n", True),
    ("pattern-ignores-numbers", {"pattern": "^a$"}, 5, True),
    # objects
    ("required-present", {"required": ["a"]}, {"a": None}, True),
    ("required-missing", {"required": ["a"]}, {"b": 1}, False),
    ("required-ignores-non-objects", {"required": ["a"]}, "text", True),
    ("properties-nested", {"properties": {"a": {"bsonType": "int"}}}, {"a": "x"}, False),
    ("properties-absent-is-fine", {"properties": {"a": {"bsonType": "int"}}}, {}, True),
    ("additional-false", {"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "b": 2}, False),
    ("additional-schema", {"properties": {"a": {}}, "additionalProperties": {"bsonType": "int"}}, {"a": "x", "b": 2},
     True),
    ("additional-schema-refuses", {"additionalProperties": {"bsonType": "int"}}, {"b": "x"}, False),
    ("patternProperties", {"patternProperties": {"^n_": {"bsonType": "int"}}, "additionalProperties": False},
     {"n_a": 1, "n_b": 2}, True),
    ("patternProperties-refuses", {"patternProperties": {"^n_": {"bsonType": "int"}}}, {"n_a": "x"}, False),
    ("minProperties", {"minProperties": 2}, {"a": 1}, False),
    ("maxProperties", {"maxProperties": 1}, {"a": 1, "b": 2}, False),
    ("dependencies-list", {"dependencies": {"a": ["b"]}}, {"a": 1}, False),
    ("dependencies-list-met", {"dependencies": {"a": ["b"]}}, {"a": 1, "b": 2}, True),
    ("dependencies-schema", {"dependencies": {"a": {"required": ["c"]}}}, {"a": 1}, False),
    ("dependencies-not-triggered", {"dependencies": {"a": ["b"]}}, {"c": 1}, True),
    # arrays
    ("items-schema", {"items": {"bsonType": "int"}}, [1, 2], True),
    ("items-schema-refuses", {"items": {"bsonType": "int"}}, [1, "a"], False),
    ("items-list", {"items": [{"bsonType": "int"}, {"bsonType": "string"}]}, [1, "a", None], True),
    ("items-list-refuses", {"items": [{"bsonType": "int"}, {"bsonType": "string"}]}, ["a", 1], False),
    ("additionalItems-false", {"items": [{}, {}], "additionalItems": False}, [1, 2, 3], False),
    ("additionalItems-false-fits", {"items": [{}, {}], "additionalItems": False}, [1, 2], True),
    ("additionalItems-schema", {"items": [{}], "additionalItems": {"bsonType": "int"}}, ["a", 2, "c"], False),
    ("additionalItems-without-list", {"items": {}, "additionalItems": False}, [1, 2, 3], True),
    ("minItems", {"minItems": 2}, [1], False),
    ("maxItems", {"maxItems": 1}, [1, 2], False),
    ("items-ignore-non-arrays", {"maxItems": 0, "items": {"bsonType": "int"}}, "text", True),
    ("uniqueItems-numbers", {"uniqueItems": True}, [1, 1.0], False),
    ("uniqueItems-bool-and-int", {"uniqueItems": True}, [True, 1], True),
    ("uniqueItems-objects", {"uniqueItems": True}, [{"a": 1, "b": 2}, {"b": 2, "a": 1}], False),
    ("uniqueItems-false", {"uniqueItems": False}, [1, 1], True),
    # logic
    ("allOf", {"allOf": [{"bsonType": "int"}, {"minimum": 3}]}, 2, False),
    ("anyOf", {"anyOf": [{"bsonType": "int"}, {"bsonType": "string"}]}, "x", True),
    ("anyOf-none", {"anyOf": [{"bsonType": "int"}, {"bsonType": "string"}]}, 1.5, False),
    ("oneOf-two", {"oneOf": [{"bsonType": "int"}, {"minimum": 0}]}, 5, False),
    ("oneOf-one", {"oneOf": [{"bsonType": "int"}, {"minimum": 0}]}, 5.5, True),
    ("not", {"not": {"bsonType": "string"}}, "x", False),
    ("not-other", {"not": {"bsonType": "string"}}, 1, True),
    ("title-description", {"title": "t", "description": "d"}, 1, True),
]


def validator_for(schema: dict[str, Any]) -> dict[str, Any]:
    """A collection validator whose field `v` follows `schema`."""
    return {"$jsonSchema": {"bsonType": "object", "properties": {"v": schema}}}
