"""How workshop changes reach MongoDB: queued in the PostgreSQL transaction, applied by the relay.

A registration change commits its seat counter, its ledger row and one outbox record
together; the record carries the full registration documents (and their history events),
so applying it is a plain idempotent write: the same `_id`s, a version guard, upserts.
If MongoDB is down the record simply stays pending; the start-up replay or
`skillhub doctor --repair` applies it later, exactly once in effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.models.users import Principal
from domain.models.workshops import Comment, Registration, RegistrationStatus
from domain.repositories.mongo.comments import CommentRepository
from domain.repositories.mongo.registrations import RegistrationDocuments, registration_document
from domain.repositories.sql.outbox import OutboxRecord
from domain.repositories.sql.unit_of_work import UnitOfWork

REGISTRATIONS_KIND = "registrations.sync"
COMMENT_KIND = "comments.add"
PURGE_KIND = "workshops.purge"
FORGET_KIND = "registrations.forget"


@dataclass(frozen=True)
class Change:
    """A registration's new state and, for a status change, the history event to append."""

    registration: Registration
    from_status: RegistrationStatus | None = None
    status_changed: bool = True
    reason: str | None = None


class WorkshopSync:
    """Queue the MongoDB side of workshop changes (outbox) and apply it (relay handlers)."""

    def __init__(self, registrations: RegistrationDocuments, comments: CommentRepository) -> None:
        self._registrations = registrations
        self._comments = comments
        # Called with the learners whose attendance a record carries, after it is applied
        # (the badges module re-checks "workshops attended" rules). Listeners must be
        # idempotent: a replayed record calls them again.
        self.attendance_listeners: list[Callable[[list[int]], object]] = []
        # Called after registration documents that can move attendance points changed, with
        # (learners whose attendance a record carries, workshops purged, documents forgotten):
        # the leaderboard's maintained figures copy attendance. A document without attendance
        # moves nothing (a new attempt is a new document; attendance is never cleared on one).
        # Idempotent, like the attendance listeners.
        self.registration_listeners: list[Callable[[list[int], list[int], list[str]], object]] = []

    def handlers(self) -> dict[str, Callable[[OutboxRecord], None]]:
        """The relay handler of each outbox kind this module writes (registered by build_services)."""
        return {
            REGISTRATIONS_KIND: self.apply_registrations,
            COMMENT_KIND: self.apply_comment,
            PURGE_KIND: self.apply_purge,
            FORGET_KIND: self.apply_forget,
        }

    # -- queue, inside the caller's PostgreSQL transaction ---------------------------------
    def queue_changes(self, uow: UnitOfWork, actor: Principal, at: datetime, changes: list[Change]) -> None:
        """One outbox record carrying every document and event of one change."""
        documents = [registration_document(c.registration) for c in changes]
        events = [
            {
                "registration_id": c.registration.id,
                "workshop_id": c.registration.workshop_id,
                "learner_id": c.registration.learner_id,
                "from_status": c.from_status.value if c.from_status else None,
                "to_status": c.registration.status.value,
                "by": {"id": actor.user_id, "email": actor.email.lower()},
                "at": at,
                "reason": c.reason,
            }
            for c in changes
            if c.status_changed
        ]
        payload: dict[str, Any] = {"documents": documents, "events": events}
        # A mark taken away (undo) leaves no attendance on the document: name its learner so the
        # badges are re-checked all the same.
        cleared = sorted({c.registration.learner_id for c in changes
                          if not c.status_changed and c.registration.attendance is None})
        if cleared:
            payload["attendance_cleared"] = cleared
        uow.outbox.add_later(REGISTRATIONS_KIND, payload)

    def queue_comment(self, uow: UnitOfWork, workshop_id: int, author: Principal, body: str, at: datetime) -> int:
        payload = {"workshop_id": workshop_id, "author_id": author.user_id, "author_name": author.full_name[:120],
                   "body": body, "at": at}
        return uow.outbox.add(COMMENT_KIND, payload)

    def queue_purge(self, uow: UnitOfWork, workshop_ids: list[int]) -> int:
        return uow.outbox.add(PURGE_KIND, {"workshop_ids": sorted(workshop_ids)})

    def queue_forget(self, uow: UnitOfWork, registration_ids: list[str]) -> int:
        return uow.outbox.add(FORGET_KIND, {"registration_ids": sorted(registration_ids)})

    # -- apply, from the relay -------------------------------------------------------------
    def apply_registrations(self, record: OutboxRecord) -> None:
        payload: dict[str, Any] = record.payload
        # Events are written first: if the outage strikes in between, the replay rewrites
        # both, and a registration never shows a state its history does not explain.
        events = [{"_id": f"outbox:{record.id}:{i}", **e, "outbox_id": record.id, "n": i}
                  for i, e in enumerate(payload.get("events", []))]
        self._registrations.append_events(events)
        documents = payload.get("documents", [])
        self._registrations.project(documents)
        attended = sorted({int(d["learner_id"]) for d in documents if d.get("attendance") is not None}
                          | {int(i) for i in payload.get("attendance_cleared", [])})
        if attended:
            for listener in self.attendance_listeners:
                listener(attended)
        self._registrations_changed(attended, [], [])

    def apply_comment(self, record: OutboxRecord) -> None:
        p = record.payload
        self._comments.put(Comment(f"outbox:{record.id}", p["workshop_id"], p["author_id"], p["author_name"],
                                   p["body"], p["at"]))

    def apply_purge(self, record: OutboxRecord) -> None:
        ids = [int(i) for i in record.payload.get("workshop_ids", [])]
        self._comments.delete_for_workshops(ids)
        self._registrations.delete_for_workshops(ids)
        self._registrations_changed([], ids, [])

    def apply_forget(self, record: OutboxRecord) -> None:
        forgotten = [str(i) for i in record.payload.get("registration_ids", [])]
        self._registrations.delete_ids(forgotten)
        self._registrations_changed([], [], forgotten)

    def _registrations_changed(self, marked: list[int], workshops: list[int], forgotten: list[str]) -> None:
        if marked or workshops or forgotten:
            for listener in self.registration_listeners:
                listener(marked, workshops, forgotten)
