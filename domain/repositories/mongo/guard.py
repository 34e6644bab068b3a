"""Turn pymongo's connection failures into one clear DatabaseUnavailable error."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError

from domain.errors import DatabaseUnavailable

MONGO_HINT = "Check MONGO_URL, or run 'skillhub embedded status' to see whether the embedded server is running."

C = TypeVar("C", bound=type)


def mongo_unavailable(exc: BaseException) -> DatabaseUnavailable:
    # pymongo appends its timeouts and the whole topology description; keep the cause.
    detail = str(exc).split(", Timeout:")[0].split("\n")[0]
    detail = re.sub(r"\s*\(configured timeouts[^)]*\)", "", detail).strip()[:160] or exc.__class__.__name__
    return DatabaseUnavailable("MongoDB", detail, MONGO_HINT)


@contextlib.contextmanager
def mongo_guard() -> Iterator[None]:
    try:
        yield
    except (ServerSelectionTimeoutError, AutoReconnect, ConnectionFailure) as exc:
        raise mongo_unavailable(exc) from None


def guarded(cls: C) -> C:
    """Class decorator: every public method of a Mongo repository reports an outage cleanly."""
    for name, attr in list(vars(cls).items()):
        if name.startswith("_") or not callable(attr):
            continue

        def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fn)
            def inner(*args: Any, **kwargs: Any) -> Any:
                with mongo_guard():
                    return fn(*args, **kwargs)

            return inner

        setattr(cls, name, wrap(attr))
    return cls
