"""A compiled `$jsonSchema` (sub)schema: the check of one value, and its normalisation for a restore.

Part of the document check (see `documents`); `schema_compiler` builds these from a validator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bson import DBRef, Decimal128, Int64

from domain.errors import ValidationError
from domain.repositories.mongo.bson_values import (
    _ALIAS_OF,
    _NAN,
    _NUMBERS,
    _UNCHANGED,
    _compare,
    _convert,
    _join,
    _number,
    bson_key,
    bson_type,
)

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
    # A cheap test a value passes when this schema certainly accepts it (its type, a string's
    # length, an integer's bounds), or None: a document's plain fields are passed without
    # the full check, which decides the rest (and says why a value fails).
    passes: Callable[[Any], bool] | None = None

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
        self.passes = self._quick_test()
        return self

    def _quick_test(self) -> Callable[[Any], bool] | None:
        if self.pattern is not None or self.checks_objects or self.checks_arrays or self.checks_logic:
            return None
        accepted = frozenset(kind for kind, alias in _ALIAS_OF.items() if self.type_ok(alias))
        if self.enum is not None:
            # Strings only: BSON equality of two strings is their equality.
            if self.checks_strings or self.checks_numbers or str not in accepted \
                    or not all(type(word) is str for word in self.enum):
                return None
            words = frozenset(self.enum)
            return lambda value: type(value) is str and value in words
        if self.checks_strings:
            # The lengths apply to strings; a value of another accepted type passes on its type.
            shortest, longest = self.min_length or 0, self.max_length
            others = accepted - {str}
            if str not in accepted:
                return lambda value: type(value) in others
            if longest is None:
                return lambda value: type(value) in others or (type(value) is str and len(value) >= shortest)
            return lambda value: type(value) in others or (type(value) is str and shortest <= len(value) <= longest)
        if self.checks_numbers:
            # Integer bounds on integers; a value of another accepted non-number type passes on its type.
            low, high = self.minimum, self.maximum
            numbers = accepted & {int, Int64, float, Decimal128}
            if not numbers <= {int, Int64} or self.exclusive_minimum or self.exclusive_maximum \
                    or any(type(bound) is not int for bound in (low, high) if bound is not None):
                return None
            others = accepted - numbers
            return lambda value: type(value) in others or (
                type(value) in numbers and (low is None or value >= low) and (high is None or value <= high))
        return lambda value: type(value) in accepted

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
                if declared is None or (declared.passes is not None and declared.passes(item)):
                    continue
                found = declared.error(item, _join(path, name))
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
                return _error(path, f"must have at most {len(self.items) if isinstance(self.items, list) else 0} items")
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
                for held in self.schemas_for(name)[:1]:
                    value[name] = held.normalise(item, _join(path, name), changed)
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
