"""Whether the MongoDB side of a saved change is applied yet (the outbox relay's answer)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SyncStatus:
    """Whether the MongoDB side of a saved change is already applied."""

    synced: bool
    error: str | None = None
    # How many outbox records the relay applied on the way (the backup's log entry uses it);
    # not part of the answer a screen shows, so equal statuses compare equal whatever it is.
    applied: int = field(default=0, compare=False)

    @property
    def message(self) -> str:
        if self.synced:
            return ""
        return ("Saved. MongoDB is unreachable, the change will be synced when it is back "
                "(or run 'skillhub doctor --repair').")
