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

The check lives in four modules: `bson_values` (types, encoding, comparisons),
`json_schema` (a compiled schema), `schema_compiler` (dictionary → schema) and this one
(validators, updates, normalisation for a restore: the API the repositories call).

A validator is checked when it is compiled (at import, by `CollectionSpec`): a keyword this
module does not implement, or one MongoDB itself refuses, is refused there, never ignored.
`KEYWORDS` lists what is implemented, `NOT_IMPLEMENTED` what is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import bson

from domain.errors import ValidationError

# UnsupportedSchema and the keyword sets are re-exported ("X as X"): this module is the check's public face.
from domain.repositories.mongo.bson_values import CODEC, encoded
from domain.repositories.mongo.bson_values import UnsupportedSchema as UnsupportedSchema
from domain.repositories.mongo.json_schema import Schema, _error
from domain.repositories.mongo.schema_compiler import KEYWORDS as KEYWORDS
from domain.repositories.mongo.schema_compiler import MONGODB_OMITS as MONGODB_OMITS
from domain.repositories.mongo.schema_compiler import NOT_IMPLEMENTED as NOT_IMPLEMENTED
from domain.repositories.mongo.schema_compiler import compile_schema

_UPDATE_OPERATORS = ("$set", "$setOnInsert")


class UnsupportedUpdate(ValueError):
    """An update whose result this check cannot know without reading the document (a programming error)."""


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
    except ValidationError as exc:
        raise ValidationError(f"{label()}: {exc.message}", field=exc.field) from None
    return _normalised(data, typed, validator, label)


def normalised_bson(data: bytes, validator: dict[str, Any] | None,
                    label: Callable[[Mapping[str, Any]], str]) -> tuple[bytes, dict[str, Any], list[str]]:
    """`normalised` for a document given as BSON (a backup's): the same bytes back when nothing
    had to change. ValueError when `data` is not one whole BSON document."""
    try:
        typed = bson.decode(data, codec_options=CODEC)
    except bson.errors.InvalidBSON as exc:
        raise ValueError(f"not a BSON document ({str(exc)[:120]})") from None
    return _normalised(data, typed, validator, lambda: label(typed))


def _normalised(data: bytes, typed: dict[str, Any], validator: dict[str, Any] | None,
                label: Callable[[], str]) -> tuple[bytes, dict[str, Any], list[str]]:
    try:
        changed: list[str] = []
        if validator is not None:
            compiled = compile_validator(validator)
            # A document valid as it is has nothing to bring back: normalising converts only
            # values whose type the (first) schema of their field refuses, which the check
            # would have refused. The usual case costs one pass.
            if compiled.schema.error(typed, "") is not None:
                changed = compiled.normalise(typed)
                compiled.check(typed)
            if changed:
                data = bson.encode(typed, codec_options=CODEC)
    except ValidationError as exc:
        raise ValidationError(f"{label()}: {exc.message}", field=exc.field) from None
    return data, typed, changed
