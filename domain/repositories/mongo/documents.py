"""Check documents against the same `$jsonSchema` validators MongoDB 7 enforces.

Real MongoDB rejects a bad document on write; the embedded nx-27017 server accepts the
validators but enforces none. So every repository checks documents here before writing,
against the very dictionaries the collections are created with: one source of truth,
the same refusal on both servers.

The check follows MongoDB 7's semantics, not those of Python values:

- A document is first encoded by pymongo's own encoder, exactly as a write would send it,
  and checked in its decoded form. Types are then BSON types: a Python int that fits 32
  bits is an "int", a larger one a "long", `Int64` always a "long", an int beyond 64 bits
  (or a `datetime.date`, a set, a lone surrogate...) cannot be stored at all.
- Every restriction keyword applies only to values of its own type (`minimum` to numbers,
  `maxLength` to strings, `required` to objects, `maxItems` to arrays), as in JSON Schema.
- `enum` and `uniqueItems` compare the way BSON compares: numbers by value whatever their
  type (1 == 1.0 == Int64(1)), `True` never equals 1, objects whatever their field order,
  dates to the millisecond.
- NaN fails `minimum` and `maximum` (MongoDB's comparisons are false against NaN).
- `pattern` is an unanchored search, with ASCII classes as MongoDB's PCRE has them.

A validator is checked when it is compiled (at import, by `CollectionSpec`): a keyword this
module does not implement, or one MongoDB itself refuses, is refused there, never ignored.
`KEYWORDS` lists what is implemented, `NOT_IMPLEMENTED` what is refused.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import bson
from bson import Binary, Code, DBRef, Decimal128, Int64, MaxKey, MinKey, ObjectId, Regex, Timestamp
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.datetime_ms import DatetimeMS
from bson.errors import BSONError

from domain.errors import ValidationError

# The client's own codec options (tz_aware, default UUID handling), so a value that the
# client could not send cannot pass here either. Dates beyond Python's range stay DatetimeMS.
CODEC = CodecOptions(tz_aware=True, datetime_conversion=DatetimeConversion.DATETIME_AUTO)

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

BSON_ALIASES = frozenset({
    "double", "string", "object", "array", "binData", "undefined", "objectId", "bool", "date", "null", "regex",
    "dbPointer", "javascript", "symbol", "javascriptWithScope", "int", "timestamp", "long", "decimal", "minKey",
    "maxKey", "number",
})
_NUMBERS = ("int", "long", "double", "decimal")
JSON_TYPES: dict[str, tuple[str, ...]] = {
    "object": ("object",), "array": ("array",), "number": _NUMBERS, "boolean": ("bool",), "string": ("string",),
    "null": ("null",),
}
_UPDATE_OPERATORS = ("$set", "$setOnInsert")


class UnsupportedSchema(ValueError):
    """A validator this check cannot follow faithfully (a programming error, caught at import)."""


class UnsupportedUpdate(ValueError):
    """An update whose result this check cannot know without reading the document (a programming error)."""


# -- BSON types and comparisons ---------------------------------------------------------------

_ALIAS_OF: dict[type, str] = {
    bool: "bool", int: "int", Int64: "long", float: "double", Decimal128: "decimal", str: "string", dict: "object",
    list: "array", type(None): "null", _dt.datetime: "date", DatetimeMS: "date", ObjectId: "objectId",
    bytes: "binData", Binary: "binData", Regex: "regex", Timestamp: "timestamp", MinKey: "minKey",
    MaxKey: "maxKey", DBRef: "object",
}


def bson_type(value: Any) -> str:
    """The BSON type alias of a value decoded from BSON (see `encoded`)."""
    alias = _ALIAS_OF.get(type(value))
    if alias is not None:
        return alias
    if isinstance(value, Code):
        return "javascriptWithScope" if value.scope is not None else "javascript"
    return "unknown"


def encoded(document: Mapping[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """(BSON bytes, decoded copy) of `document`, as pymongo's encoder sends it; ValidationError if it cannot."""
    try:
        data = bson.encode(document, codec_options=CODEC)
    except (BSONError, OverflowError, ValueError, TypeError) as exc:
        raise _unencodable(document, exc) from None
    return data, bson.decode(data, codec_options=CODEC)


def _unencodable(document: Mapping[str, Any], exc: BaseException) -> ValidationError:
    path = _first_unencodable(document, "") or ""
    reason = str(exc).splitlines()[0].removeprefix("Invalid document: ")[:160] or exc.__class__.__name__
    where = f"{path} " if path else "the document "
    return ValidationError(f"{where}cannot be stored in MongoDB ({reason})", field=path or None)


def _first_unencodable(value: Any, path: str) -> str | None:
    """The path of the first value pymongo cannot encode (only called once encoding failed)."""
    children: Iterable[tuple[str, Any]]
    if isinstance(value, Mapping):
        children = [(_join(path, str(k)), v) for k, v in value.items()]
        for key in value:
            if not isinstance(key, str) or "\x00" in key or _bad_text(key):
                return _join(path, repr(key))
    elif isinstance(value, (list, tuple)):
        children = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    else:
        return path
    for child_path, child in children:
        try:
            bson.encode({"v": child}, codec_options=CODEC)
        except (BSONError, OverflowError, ValueError, TypeError):
            return _first_unencodable(child, child_path)
    return path


def _bad_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_NAN = "nan"
_EXACT = (int, float, Int64)


def _number(value: Any) -> Fraction | float | str:
    """A number's exact value (Fraction), ±inf as a float, or "nan"."""
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if isinstance(value, Decimal):
        if value.is_nan():
            return _NAN
        return float(value) if value.is_infinite() else Fraction(value)
    if isinstance(value, float):
        if math.isnan(value):
            return _NAN
        return value if math.isinf(value) else Fraction(value)
    return Fraction(int(value))


def _millis(value: _dt.datetime | DatetimeMS) -> int:
    if isinstance(value, DatetimeMS):
        return int(value)
    moment = value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
    return (moment - _EPOCH) // _dt.timedelta(milliseconds=1)


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def bson_key(value: Any) -> Any:
    """A hashable key equal for two values exactly when BSON comparison finds them equal."""
    kind = bson_type(value)
    if kind in _NUMBERS:
        return ("number", _number(value))
    if kind == "object":
        items = value.as_doc().items() if isinstance(value, DBRef) else value.items()
        return ("object", frozenset((k, bson_key(v)) for k, v in items))
    if kind == "array":
        return ("array", tuple(bson_key(v) for v in value))
    if kind == "date":
        return ("date", _millis(value))
    if kind == "objectId":
        return ("objectId", value.binary)
    if kind == "binData":
        return ("binData", getattr(value, "subtype", 0), bytes(value))
    if kind == "regex":
        return ("regex", value.pattern, value.flags)
    if kind in ("javascript", "javascriptWithScope"):
        return (kind, str(value), bson_key(value.scope) if value.scope is not None else None)
    if kind == "timestamp":
        return ("timestamp", value.time, value.inc)
    if kind in ("minKey", "maxKey", "null"):
        return (kind,)
    return (kind, value)


def _compare(value: Any, bound: Any, exclusive: bool, above: bool) -> bool:
    """MongoDB's $gt/$gte (above) or $lt/$lte: false against NaN unless both are NaN and inclusive."""
    left: Any = value
    right: Any = bound
    # Python compares ints and floats exactly; only NaN and Decimal128 need more care.
    if not (type(value) in _EXACT and type(bound) in _EXACT and value == value and bound == bound):
        left, right = _number(value), _number(bound)
    if left == _NAN or right == _NAN:
        return left == right and not exclusive
    assert not isinstance(left, str) and not isinstance(right, str)
    if above:
        return left > right if exclusive else left >= right
    return left < right if exclusive else left <= right


# -- pattern: Python's re with PCRE's meaning ---------------------------------------------------

# Constructs whose meaning differs between PCRE and Python's re: POSIX classes, \Z (PCRE: end
# or before a final newline; re: the very end), and {,n} (literal text for PCRE).
_PCRE_DIFFERENT = re.compile(r"\[:[a-z]+:\]|\\Z|\{,")


def pcre(pattern: str) -> re.Pattern[str]:
    """Compile a `$jsonSchema` pattern to a Python regex that matches as MongoDB's PCRE does."""
    clash = _PCRE_DIFFERENT.search(pattern)
    if clash:
        raise UnsupportedSchema(f"pattern {pattern!r} uses {clash.group(0)!r}, which PCRE and Python read differently")
    try:
        # PCRE without UCP (MongoDB's setting): \d, \w, \s and \b are ASCII.
        return re.compile(pattern, re.ASCII)
    except re.error as exc:
        raise UnsupportedSchema(f"pattern {pattern!r} does not compile ({exc})") from None


# -- compiled schemas ---------------------------------------------------------------------------


@dataclass
class Schema:
    """One compiled `$jsonSchema` (sub)schema."""

    types: tuple[str, ...] | None = None  # allowed BSON aliases, in the order declared
    type_text: str = ""
    enum: list[Any] | None = None
    enum_keys: frozenset[Any] = frozenset()
    minimum: Any = None
    exclusive_minimum: bool = False
    maximum: Any = None
    exclusive_maximum: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    required: tuple[str, ...] = ()
    properties: dict[str, Schema] = field(default_factory=dict)
    pattern_properties: list[tuple[re.Pattern[str], Schema]] = field(default_factory=list)
    additional_properties: bool | Schema = True
    min_properties: int | None = None
    max_properties: int | None = None
    dependencies: dict[str, tuple[str, ...] | Schema] = field(default_factory=dict)
    items: Schema | list[Schema] | None = None
    additional_items: bool | Schema = True
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    all_of: list[Schema] = field(default_factory=list)
    any_of: list[Schema] = field(default_factory=list)
    one_of: list[Schema] = field(default_factory=list)
    not_: Schema | None = None
    # Which groups of keywords are present (set by compile_schema), so a value skips the rest.
    checks_strings: bool = False
    checks_numbers: bool = False
    checks_objects: bool = False
    checks_arrays: bool = False
    checks_logic: bool = False

    def settle(self) -> Schema:
        """Record which keyword groups this schema uses; returns it."""
        self.checks_strings = self.min_length is not None or self.max_length is not None or self.pattern is not None
        self.checks_numbers = self.minimum is not None or self.maximum is not None
        self.checks_objects = bool(self.required or self.properties or self.pattern_properties or self.dependencies
                                   or self.additional_properties is not True or self.min_properties is not None
                                   or self.max_properties is not None)
        self.checks_arrays = bool(self.items is not None or self.min_items is not None or self.max_items is not None
                                  or self.unique_items)
        self.checks_logic = bool(self.all_of or self.any_of or self.one_of or self.not_ is not None)
        return self

    # -- checking (values decoded from BSON) -----------------------------------------------
    def error(self, value: Any, path: str) -> ValidationError | None:
        """The first way `value` breaks this schema, or None."""
        kind = bson_type(value)
        if not self.type_ok(kind):
            return _error(path, f"must be of type {self.type_text}, not {kind}")
        if self.enum is not None and bson_key(value) not in self.enum_keys:
            return _error(path, "must be one of " + ", ".join(map(_shown, self.enum)))
        found = None
        if kind == "string":
            found = self._string_error(value, path) if self.checks_strings else None
        elif kind in _NUMBERS:
            found = self._number_error(value, path) if self.checks_numbers else None
        elif kind == "object":
            if self.checks_objects:
                found = self._object_error(value.as_doc() if isinstance(value, DBRef) else value, path)
        elif kind == "array":
            found = self._array_error(value, path) if self.checks_arrays else None
        if found is None and self.checks_logic:
            found = self._logic_error(value, path)
        return found

    def type_ok(self, kind: str) -> bool:
        return self.types is None or kind in self.types or (kind in _NUMBERS and "number" in self.types)

    def _string_error(self, value: str, path: str) -> ValidationError | None:
        if self.min_length is not None and len(value) < self.min_length:
            return _error(path, f"must be at least {self.min_length} characters")
        if self.max_length is not None and len(value) > self.max_length:
            return _error(path, f"must be at most {self.max_length} characters")
        if self.pattern is not None and not self.pattern.search(value):
            return _error(path, f"must match the pattern {self.pattern.pattern}")
        return None

    def _number_error(self, value: Any, path: str) -> ValidationError | None:
        if self.minimum is not None and not _compare(value, self.minimum, self.exclusive_minimum, above=True):
            word = "greater than" if self.exclusive_minimum else "at least"
            return _error(path, f"must be {word} {_shown(self.minimum)}" + _got(value))
        if self.maximum is not None and not _compare(value, self.maximum, self.exclusive_maximum, above=False):
            word = "less than" if self.exclusive_maximum else "at most"
            return _error(path, f"must be {word} {_shown(self.maximum)}" + _got(value))
        return None

    def _object_error(self, value: Mapping[str, Any], path: str) -> ValidationError | None:
        for name in self.required:
            if name not in value:
                return ValidationError(f"{_join(path, name)} is required", field=_join(path, name))
        plain = not self.pattern_properties and self.additional_properties is True
        for name, item in value.items():
            if plain:
                # The common case (each field checked against its own property schema), kept fast.
                declared = self.properties.get(name)
                found = declared.error(item, _join(path, name)) if declared is not None else None
                if found:
                    return found
                continue
            for schema in self.schemas_for(name):
                found = schema.error(item, _join(path, name))
                if found:
                    return found
            if self.additional_properties is False and not self._declared(name):
                return _error(path or "document", f"has an unexpected field {name!r}")
        if self.min_properties is not None and len(value) < self.min_properties:
            return _error(path or "document", f"must have at least {self.min_properties} fields")
        if self.max_properties is not None and len(value) > self.max_properties:
            return _error(path or "document", f"must have at most {self.max_properties} fields")
        for name, dependency in self.dependencies.items():
            if name not in value:
                continue
            if isinstance(dependency, Schema):
                found = dependency.error(value, path)
                if found:
                    return found
            else:
                for needed in dependency:
                    if needed not in value:
                        return ValidationError(f"{_join(path, needed)} is required when {name} is present",
                                               field=_join(path, needed))
        return None

    def _declared(self, name: str) -> bool:
        return name in self.properties or any(p.search(name) for p, _ in self.pattern_properties)

    def schemas_for(self, name: str) -> list[Schema]:
        """The schemas a field called `name` must match (properties, patternProperties, additionalProperties)."""
        if not self.pattern_properties and self.additional_properties is True:
            declared = self.properties.get(name)
            return [declared] if declared is not None else []
        found = [self.properties[name]] if name in self.properties else []
        found += [schema for pattern, schema in self.pattern_properties if pattern.search(name)]
        if not found and isinstance(self.additional_properties, Schema):
            found.append(self.additional_properties)
        return found

    def _array_error(self, value: list[Any], path: str) -> ValidationError | None:
        if self.min_items is not None and len(value) < self.min_items:
            return _error(path, f"must have at least {self.min_items} items")
        if self.max_items is not None and len(value) > self.max_items:
            return _error(path, f"must have at most {self.max_items} items")
        if self.unique_items:
            seen: set[Any] = set()
            for index, item in enumerate(value):
                key = bson_key(item)
                if key in seen:
                    return _error(path, f"must not hold the same item twice (item {index} repeats an earlier one)")
                seen.add(key)
        for index, item in enumerate(value):
            schema = self.item_schema(index)
            if schema is False:
                return _error(path, f"must have at most {len(self.items or [])} items")
            if isinstance(schema, Schema):
                found = schema.error(item, f"{path}[{index}]")
                if found:
                    return found
        return None

    def item_schema(self, index: int) -> Schema | bool:
        """The schema of item `index` (True: anything goes, False: no item allowed there)."""
        if isinstance(self.items, Schema):
            return self.items
        if isinstance(self.items, list):
            return self.items[index] if index < len(self.items) else self.additional_items
        return True

    def _logic_error(self, value: Any, path: str) -> ValidationError | None:
        for schema in self.all_of:
            found = schema.error(value, path)
            if found:
                return found
        if self.any_of and all(schema.error(value, path) for schema in self.any_of):
            return _error(path or "document", "must match at least one of the allowed schemas")
        if self.one_of:
            matched = sum(schema.error(value, path) is None for schema in self.one_of)
            if matched != 1:
                return _error(path or "document", f"must match exactly one of the allowed schemas (matches {matched})")
        if self.not_ is not None and self.not_.error(value, path) is None:
            return _error(path or "document", "matches a schema it must not match")
        return None

    # -- normalising (restores of archives written by nx-27017) --------------------------------
    def normalise(self, value: Any, path: str, changed: list[str]) -> Any:
        """`value` with values of the wrong type converted where the conversion loses nothing."""
        if self.types is not None and not self.type_ok(bson_type(value)):
            converted = _convert(value, self.types)
            if converted is not _UNCHANGED:
                changed.append(path or "document")
                value = converted
        if isinstance(value, dict):
            for name, item in value.items():
                for schema in self.schemas_for(name)[:1]:
                    value[name] = schema.normalise(item, _join(path, name), changed)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                schema = self.item_schema(index)
                if isinstance(schema, Schema):
                    value[index] = schema.normalise(item, f"{path}[{index}]", changed)
        return value


def _error(path: str, message: str) -> ValidationError:
    return ValidationError(f"{path} {message}", field=path or None)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "null" if value is None else str(value)


def _got(value: Any) -> str:
    return " (got NaN)" if _number(value) == _NAN else ""


_UNCHANGED = object()
# Text dates as nx-27017 stores a date given to `$set` ("2026-02-02 10:11:12.345000") or as
# isoformat() writes them; a naive one is UTC, as BSON dates are.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?")
_INT32 = range(-(2**31), 2**31)


def _convert(value: Any, types: tuple[str, ...]) -> Any:
    kind = bson_type(value)
    for target in types:
        for candidate in (_NUMBERS if target == "number" else (target,)):
            converted = _convert_to(value, kind, candidate)
            if converted is not _UNCHANGED:
                return converted
    return _UNCHANGED


def _convert_to(value: Any, kind: str, target: str) -> Any:
    if kind == "string" and target == "date" and _ISO_DATE.fullmatch(value):
        try:
            moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return _UNCHANGED
        moment = moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)
        return moment.astimezone(_dt.UTC).replace(microsecond=moment.microsecond // 1000 * 1000)
    if kind in ("int", "long"):
        number = int(value)
        if target == "bool" and number in (0, 1):
            # nx-27017 may store a boolean given to `$set` as the int 0 or 1.
            return bool(number)
        if target == "long":
            return Int64(number)
        if target == "int" and number in _INT32:
            return number
        if target == "double" and abs(number) <= 2**53:
            return float(number)
        if target == "decimal":
            return Decimal128(str(number))
    return _UNCHANGED


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


# -- validators ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledValidator:
    """A collection validator (`{"$jsonSchema": ...}`), compiled once."""

    schema: Schema

    def check(self, typed: Mapping[str, Any]) -> None:
        """ValidationError naming the first field of an already decoded document that breaks the schema."""
        found = self.schema.error(typed, "")
        if found is not None:
            raise found

    def validate(self, document: Mapping[str, Any]) -> None:
        self.check(encoded(document)[1])

    def normalise(self, typed: dict[str, Any]) -> list[str]:
        """Convert, in place, values of a decoded document whose type is wrong but convertible; the paths changed."""
        changed: list[str] = []
        self.schema.normalise(typed, "", changed)
        return changed

    def check_fields(self, fields: Mapping[str, Any]) -> None:
        """Check the fields a `$set` writes: each against the schemas its name falls under.

        Faithful because the rest of the document was valid (every write is checked) and
        `$set` removes no field: only the keywords that judge the document as a whole
        would need the rest, and those are refused here."""
        whole = _whole_document_keywords(self.schema)
        if whole:
            raise UnsupportedUpdate(f"the validator checks the whole document ({', '.join(whole)}): "
                                    "write it with a replacement")
        _, typed = encoded(fields)
        for name, value in typed.items():
            for schema in self.schema.schemas_for(name):
                found = schema.error(value, name)
                if found:
                    raise found
            if self.schema.additional_properties is False and not self.schema._declared(name):
                raise _error("document", f"has an unexpected field {name!r}")


def _whole_document_keywords(schema: Schema) -> list[str]:
    """The keywords of a top-level schema that judge the document as a whole, not field by field."""
    present = {
        "enum": schema.enum is not None, "minProperties": schema.min_properties is not None,
        "maxProperties": schema.max_properties is not None, "dependencies": bool(schema.dependencies),
        "allOf": bool(schema.all_of), "anyOf": bool(schema.any_of), "oneOf": bool(schema.one_of),
        "not": schema.not_ is not None,
    }
    return [keyword for keyword, used in present.items() if used]


# Keyed by id(): the validators are module-level dictionaries that live as long as the process;
# the dictionary itself is kept next to its compiled form so its id cannot be reused.
_COMPILED: dict[int, tuple[dict[str, Any], CompiledValidator]] = {}


def compile_validator(validator: dict[str, Any]) -> CompiledValidator:
    """The compiled form of a collection validator; UnsupportedSchema if it is not `{"$jsonSchema": ...}`
    with only keywords this module implements."""
    cached = _COMPILED.get(id(validator))
    if cached is not None and cached[0] is validator:
        return cached[1]
    if not isinstance(validator, dict) or set(validator) != {"$jsonSchema"}:
        keys = ", ".join(map(str, validator)) if isinstance(validator, dict) else type(validator).__name__
        raise UnsupportedSchema(f"only a validator made of one $jsonSchema can be checked (got {keys})")
    compiled = CompiledValidator(compile_schema(validator["$jsonSchema"]))
    _COMPILED[id(validator)] = (validator, compiled)
    return compiled


def validate(document: dict[str, Any], validator: dict[str, Any]) -> dict[str, Any]:
    """Check `document` as it would be written against a collection validator, and return it."""
    compile_validator(validator).validate(document)
    return document


def validate_update(update: Mapping[str, Any], validator: dict[str, Any],
                    upsert_filter: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """Check an update (`$set` / `$setOnInsert`) against a collection validator, and return it.

    `$set` fields are checked against their property schemas (see `check_fields`). With
    `upsert_filter`, the document an upsert would insert (the filter's equalities, then
    `$setOnInsert`, then `$set`) is checked whole, as MongoDB does."""
    operators = [op for op in update if op not in _UPDATE_OPERATORS]
    if operators:
        raise UnsupportedUpdate(f"update operators {', '.join(operators)} cannot be checked before writing")
    sets: Mapping[str, Any] = update.get("$set", {})
    on_insert: Mapping[str, Any] = update.get("$setOnInsert", {})
    for name in (*sets, *on_insert):
        if "." in name or name.startswith("$"):
            raise UnsupportedUpdate(f"update of {name!r}: dotted or $-prefixed fields cannot be checked")
    compiled = compile_validator(validator)
    if sets:
        compiled.check_fields(sets)
    if upsert_filter is not None:
        compiled.validate({**_equalities(upsert_filter), **on_insert, **sets})
    elif on_insert:
        compiled.check_fields(on_insert)
    return update


def _equalities(query: Mapping[str, Any]) -> dict[str, Any]:
    """The fields an upsert copies from its filter: plain values and `$eq`."""
    found: dict[str, Any] = {}
    for name, value in query.items():
        if name.startswith("$") or "." in name:
            continue
        if isinstance(value, Mapping) and any(str(k).startswith("$") for k in value):
            if set(value) == {"$eq"}:
                found[name] = value["$eq"]
            continue
        found[name] = value
    return found


def normalised(document: Mapping[str, Any], validator: dict[str, Any] | None,
               label: Callable[[], str] = lambda: "document") -> tuple[bytes, dict[str, Any], list[str]]:
    """(BSON, decoded document, paths changed) of `document` with its values brought back to the
    types `validator` declares (a text date to a date, an int to a long...), then checked whole.

    ValidationError, prefixed by `label()`, when the document cannot be stored or stays invalid."""
    try:
        data, typed = encoded(document)
        changed: list[str] = []
        if validator is not None:
            compiled = compile_validator(validator)
            changed = compiled.normalise(typed)
            compiled.check(typed)
            if changed:
                data = bson.encode(typed, codec_options=CODEC)
    except ValidationError as exc:
        raise ValidationError(f"{label()}: {exc.message}", field=exc.field) from None
    return data, typed, changed
