"""The declaration of a MongoDB collection: its validator and indexes (`CollectionSpec`, `IndexSpec`).

Each repository module declares its collections with these next to its queries; the registry
that gathers them all (`domain.repositories.mongo.schema`) imports the repositories, never the
other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.repositories.mongo.documents import compile_validator


@dataclass(frozen=True)
class IndexSpec:
    keys: list[tuple[str, int]]
    name: str
    unique: bool = False
    expire_after_seconds: int | None = None

    def key_pattern(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.keys)


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    validator: dict[str, Any]
    indexes: list[IndexSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A keyword the domain check does not implement is refused here, at import, rather
        # than ignored on every write while MongoDB 7 enforces it.
        compile_validator(self.validator)
