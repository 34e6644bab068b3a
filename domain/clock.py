"""Time as a dependency, so tests and snapshots can fix it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Self

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    """A clock that always answers `at` (tests, snapshots)."""
    return lambda: at


class Clocked:
    """A service whose notion of "now" can be moved (demo data dated in the past, tests)."""

    _clock: Clock

    def with_clock(self, clock: Clock) -> Self:
        """The same service seeing another time, and so do the clocked services it holds.

        A held service keeping the original clock would date its part of a change (the
        activity-log entry of a registration, say) at another instant than the change."""
        twin = copy.copy(self)
        twin._clock = clock
        for name, held in vars(self).items():
            if isinstance(held, Clocked):
                setattr(twin, name, held.with_clock(clock))
        return twin
