"""Check documents against the same `$jsonSchema` validators MongoDB 7 enforces.

Real MongoDB rejects a bad document on write; the embedded nx-27017 server accepts the
validators but enforces none. So every repository checks documents here before writing,
against the very dictionaries the collections are created with: one source of truth,
the same refusal on both servers.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from bson import ObjectId

from domain.errors import ValidationError

_BSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list, tuple),
    "string": (str,),
    "int": (int,),
    "long": (int,),
    "double": (float, int),
    "decimal": (float, int),
    "number": (int, float),
    "bool": (bool,),
    "date": (_dt.datetime,),
    "objectId": (ObjectId,),
    "null": (type(None),),
}


def _type_ok(value: Any, bson_type: str | list[str]) -> bool:
    kinds = [bson_type] if isinstance(bson_type, str) else bson_type
    for kind in kinds:
        allowed = _BSON_TYPES[kind]
        if isinstance(value, bool) and kind not in ("bool",):
            continue
        if isinstance(value, allowed):
            return True
    return False


def check(document: Any, schema: dict[str, Any], path: str = "document") -> None:
    """Raise ValidationError naming the first field that breaks `schema`."""
    if "bsonType" in schema and not _type_ok(document, schema["bsonType"]):
        raise ValidationError(f"{path} must be of type {schema['bsonType']}", field=path)
    if "enum" in schema and document not in schema["enum"]:
        raise ValidationError(f"{path} must be one of {', '.join(map(str, schema['enum']))}", field=path)
    if isinstance(document, str):
        if len(document) < schema.get("minLength", 0):
            raise ValidationError(f"{path} must be at least {schema['minLength']} characters", field=path)
        if "maxLength" in schema and len(document) > schema["maxLength"]:
            raise ValidationError(f"{path} must be at most {schema['maxLength']} characters", field=path)
    if isinstance(document, (int, float)) and not isinstance(document, bool):
        if "minimum" in schema and document < schema["minimum"]:
            raise ValidationError(f"{path} must be at least {schema['minimum']}", field=path)
        if "maximum" in schema and document > schema["maximum"]:
            raise ValidationError(f"{path} must be at most {schema['maximum']}", field=path)
    if isinstance(document, dict):
        for name in schema.get("required", []):
            if name not in document:
                raise ValidationError(f"{path}.{name} is required", field=name)
        props = schema.get("properties", {})
        for name, value in document.items():
            if name in props:
                check(value, props[name], f"{path}.{name}" if path != "document" else name)
            elif schema.get("additionalProperties") is False:
                raise ValidationError(f"{path} has an unexpected field {name!r}", field=name)
    if isinstance(document, (list, tuple)):
        if "maxItems" in schema and len(document) > schema["maxItems"]:
            raise ValidationError(f"{path} must have at most {schema['maxItems']} items", field=path)
        if "items" in schema:
            for index, item in enumerate(document):
                check(item, schema["items"], f"{path}[{index}]")


def validate(document: dict[str, Any], validator: dict[str, Any]) -> dict[str, Any]:
    """Check `document` against a collection validator (`{"$jsonSchema": ...}`) and return it."""
    check(document, validator["$jsonSchema"])
    return document
