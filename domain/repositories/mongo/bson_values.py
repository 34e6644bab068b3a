"""BSON values as MongoDB 7 sees them: their types, how they encode, compare and convert.

Part of the document check (see `documents`): the `$jsonSchema` schemas (`json_schema`)
compare, match and normalise values with these.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable, Mapping
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
CODEC: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True, datetime_conversion=DatetimeConversion.DATETIME_AUTO)

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
class UnsupportedSchema(ValueError):
    """A validator this check cannot follow faithfully (a programming error, caught at import)."""


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
