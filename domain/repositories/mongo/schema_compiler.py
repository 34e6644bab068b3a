"""Compiling a `$jsonSchema` dictionary into a `Schema`: every keyword checked, none ignored.

A keyword this check does not implement, or one MongoDB itself refuses, is refused here
(`UnsupportedSchema`), at import. `KEYWORDS` lists what is implemented, `NOT_IMPLEMENTED` what is refused.
"""

from __future__ import annotations

from typing import Any

from bson import Decimal128

from domain.errors import ValidationError
from domain.repositories.mongo.bson_values import BSON_ALIASES, JSON_TYPES, UnsupportedSchema, bson_key, encoded, pcre
from domain.repositories.mongo.json_schema import Schema

KEYWORDS = frozenset({
    "bsonType", "type", "enum", "title", "description",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "pattern",
    "required", "properties", "additionalProperties", "patternProperties", "minProperties", "maxProperties",
    "dependencies",
    "items", "additionalItems", "minItems", "maxItems", "uniqueItems",
    "allOf", "anyOf", "oneOf", "not",
})
# MongoDB 7 keywords this check does not implement: a validator using one is refused.
NOT_IMPLEMENTED = frozenset({"multipleOf", "encrypt", "encryptMetadata"})
# Keywords MongoDB 7 itself refuses ("Omissions" in its $jsonSchema reference).
MONGODB_OMITS = frozenset({"$ref", "$schema", "default", "definitions", "format", "id"})

# -- compiling ----------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal128)) and not isinstance(value, bool)


def _count(keyword: str, value: Any, where: str) -> int:
    if _is_number(value) and not isinstance(value, Decimal128) and float(value).is_integer() and value >= 0:
        return int(value)
    raise UnsupportedSchema(f"{where}: {keyword} must be a whole number of at least 0")


def _unique_strings(keyword: str, value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(set(value)) != len(value) \
            or not value:
        raise UnsupportedSchema(f"{where}: {keyword} must be a non-empty array of distinct strings")
    return tuple(value)


def _schemas(keyword: str, value: Any, where: str) -> list[Schema]:
    if not isinstance(value, list) or not value:
        raise UnsupportedSchema(f"{where}: {keyword} must be a non-empty array of schemas")
    return [compile_schema(v, f"{where}.{keyword}[{i}]") for i, v in enumerate(value)]


def _types(keyword: str, value: Any, where: str) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names) \
            or len(set(names)) != len(names):
        raise UnsupportedSchema(f"{where}: {keyword} must name one type or an array of distinct types")
    known = BSON_ALIASES if keyword == "bsonType" else set(JSON_TYPES)
    for name in names:
        if name not in known:
            hint = " (use bsonType int or long)" if name == "integer" else ""
            raise UnsupportedSchema(f"{where}: {keyword} {name!r} is not a type MongoDB knows{hint}")
    return tuple(names)


_COUNTS = {"minLength": "min_length", "maxLength": "max_length", "minProperties": "min_properties",
           "maxProperties": "max_properties", "minItems": "min_items", "maxItems": "max_items"}


def compile_schema(schema: Any, where: str = "$jsonSchema") -> Schema:
    """Compile one `$jsonSchema` object; UnsupportedSchema for anything not followed faithfully."""
    if not isinstance(schema, dict):
        raise UnsupportedSchema(f"{where} must be an object")
    for keyword in schema:
        if keyword in KEYWORDS:
            continue
        if keyword in NOT_IMPLEMENTED:
            raise UnsupportedSchema(f"{where}: keyword {keyword!r} is not implemented by SkillHub's document check")
        if keyword in MONGODB_OMITS:
            raise UnsupportedSchema(f"{where}: keyword {keyword!r} is not supported by MongoDB")
        raise UnsupportedSchema(f"{where}: unknown keyword {keyword!r} (MongoDB refuses it)")
    out = Schema()
    for keyword, attribute in _COUNTS.items():
        if keyword in schema:
            setattr(out, attribute, _count(keyword, schema[keyword], where))
    _compile_scalars(schema, where, out)
    _compile_objects(schema, where, out)
    _compile_arrays(schema, where, out)
    for keyword in ("allOf", "anyOf", "oneOf"):
        if keyword in schema:
            setattr(out, {"allOf": "all_of", "anyOf": "any_of", "oneOf": "one_of"}[keyword],
                    _schemas(keyword, schema[keyword], where))
    if "not" in schema:
        out.not_ = compile_schema(schema["not"], f"{where}.not")
    for keyword in ("title", "description"):
        if keyword in schema and not isinstance(schema[keyword], str):
            raise UnsupportedSchema(f"{where}: {keyword} must be a string")
    return out.settle()


def _compile_scalars(schema: dict[str, Any], where: str, out: Schema) -> None:
    if "type" in schema and "bsonType" in schema:
        raise UnsupportedSchema(f"{where}: type and bsonType cannot both be given")
    if "bsonType" in schema:
        out.types = _types("bsonType", schema["bsonType"], where)
        out.type_text = " or ".join(out.types)
    elif "type" in schema:
        names = _types("type", schema["type"], where)
        out.types = tuple(dict.fromkeys(alias for name in names for alias in JSON_TYPES[name]))
        out.type_text = " or ".join(names)
    if "enum" in schema:
        values = schema["enum"]
        if not isinstance(values, list) or not values:
            raise UnsupportedSchema(f"{where}: enum must be a non-empty array")
        try:
            _, typed = encoded({"enum": values})
        except ValidationError as exc:
            raise UnsupportedSchema(f"{where}: enum {exc.message}") from None
        keys = [bson_key(v) for v in typed["enum"]]
        if len(set(keys)) != len(keys):
            raise UnsupportedSchema(f"{where}: enum must not list the same value twice")
        out.enum, out.enum_keys = list(values), frozenset(keys)
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if bound in schema:
            if not _is_number(schema[bound]):
                raise UnsupportedSchema(f"{where}: {bound} must be a number")
            setattr(out, bound, schema[bound])
        if exclusive in schema:
            if not isinstance(schema[exclusive], bool):
                raise UnsupportedSchema(f"{where}: {exclusive} must be true or false (draft 4)")
            if bound not in schema:
                raise UnsupportedSchema(f"{where}: {exclusive} needs {bound}")
            setattr(out, "exclusive_" + bound, schema[exclusive])
    if "pattern" in schema:
        if not isinstance(schema["pattern"], str):
            raise UnsupportedSchema(f"{where}: pattern must be a string")
        out.pattern = pcre(schema["pattern"])


def _compile_objects(schema: dict[str, Any], where: str, out: Schema) -> None:
    if "required" in schema:
        out.required = _unique_strings("required", schema["required"], where)
    if "properties" in schema:
        if not isinstance(schema["properties"], dict):
            raise UnsupportedSchema(f"{where}: properties must be an object")
        out.properties = {name: compile_schema(sub, f"{where}.properties.{name}")
                          for name, sub in schema["properties"].items()}
    for name in (*out.required, *out.properties):
        # MongoDB reads a dotted name as a path into sub-documents, this check as a field name.
        if "." in name or name.startswith("$"):
            raise UnsupportedSchema(f"{where}: field name {name!r} (dotted or $-prefixed) is not supported")
    if "patternProperties" in schema:
        if not isinstance(schema["patternProperties"], dict):
            raise UnsupportedSchema(f"{where}: patternProperties must be an object")
        out.pattern_properties = [(pcre(p), compile_schema(s, f"{where}.patternProperties.{p}"))
                                  for p, s in schema["patternProperties"].items()]
    if "additionalProperties" in schema:
        out.additional_properties = _bool_or_schema("additionalProperties", schema["additionalProperties"], where)
    if "dependencies" in schema:
        if not isinstance(schema["dependencies"], dict):
            raise UnsupportedSchema(f"{where}: dependencies must be an object")
        for name, dependency in schema["dependencies"].items():
            out.dependencies[name] = (
                compile_schema(dependency, f"{where}.dependencies.{name}") if isinstance(dependency, dict)
                else _unique_strings(f"dependencies.{name}", dependency, where)
            )


def _compile_arrays(schema: dict[str, Any], where: str, out: Schema) -> None:
    if "items" in schema:
        items = schema["items"]
        if isinstance(items, list):
            out.items = [compile_schema(s, f"{where}.items[{i}]") for i, s in enumerate(items)]
        else:
            out.items = compile_schema(items, f"{where}.items")
    if "additionalItems" in schema:
        out.additional_items = _bool_or_schema("additionalItems", schema["additionalItems"], where)
    if "uniqueItems" in schema:
        if not isinstance(schema["uniqueItems"], bool):
            raise UnsupportedSchema(f"{where}: uniqueItems must be true or false")
        out.unique_items = schema["uniqueItems"]


def _bool_or_schema(keyword: str, value: Any, where: str) -> bool | Schema:
    if isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return compile_schema(value, f"{where}.{keyword}")
    raise UnsupportedSchema(f"{where}: {keyword} must be true, false or a schema")
