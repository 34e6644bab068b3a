"""The activity log: written by every service with its change, read by admins."""

from __future__ import annotations

import builtins
from typing import Any

from domain import validation
from domain.clock import Clock, Clocked, utc_now
from domain.errors import ValidationError
from domain.models.bulk import BatchMark, JournalRow, Undoable
from domain.models.paging import Page, PageRequest
from domain.models.users import SYSTEM, Principal, Role
from domain.repositories.mongo.activity import VALIDATOR, ActivityEntry, ActivityRepository
from domain.repositories.mongo.documents import validate
from domain.repositories.sql.outbox import OutboxRecord
from domain.repositories.sql.search import fold
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.services.access import require_role

OUTBOX_KIND = "activity.record"
# The entries of one batch, in one outbox record (one relay step and one MongoDB bulk write per batch).
BATCH_KIND = "activity.batch"
MAX_DETAIL_CHARS = 500
# How many people an actor filter may stand for: "a" matches nearly everyone, and the log is
# then asked for their entries by id (indexed), never scanned for a pattern.
MAX_ACTORS = 500


def batch_key(value: object) -> str:
    """A batch id as given by a caller: the digits of a whole number (`change_batch_seq`)."""
    if not isinstance(value, str) or not 0 < len(value) <= 18 or not value.isascii() or not value.isdigit():
        raise ValidationError("No such batch.", field="batch_id")
    return value


def _small(details: dict[str, Any]) -> dict[str, Any]:
    """Keep log documents small: long strings are cut."""
    return {str(k)[:64]: (v[:MAX_DETAIL_CHARS] if isinstance(v, str) else v) for k, v in list(details.items())[:20]}


def _entry(p: dict[str, Any]) -> ActivityEntry:
    return ActivityEntry(p["actor_id"], p["actor_email"], p["action"], p["entity"], p["entity_id"], p["at"],
                         p["details"], p.get("batch"))


class ActivityService(Clocked):
    """Record changes (through the outbox, in the change's own transaction) and list them."""

    def __init__(self, repository: ActivityRepository, clock: Clock = utc_now,
                 uow_factory: UnitOfWorkFactory | None = None) -> None:
        self._repo = repository
        self._clock = clock
        # Where actor filters find people by name or email (None: only the system actor is known).
        self._uow = uow_factory

    def record(self, uow: UnitOfWork, actor: Principal, action: str, entity: str, entity_id: object,
               details: dict[str, Any] | None = None, *, batch: BatchMark | None = None,
               undo: Undoable | builtins.list[Undoable] | None = None) -> None:
        """Queue one log document in the caller's transaction; it reaches MongoDB after commit.

        Going through the outbox means a change and its log line are committed together:
        a MongoDB outage delays the log line, it never loses it. `undo` makes a single change
        undoable: a batch of one entry (and as many journal rows as it changed), journalled in the
        same transaction (bulk actions pass their
        `batch` and journal their rows themselves)."""
        if undo and batch is None:
            batch = BatchMark(uow.journal.next_batch_id())
            rows = undo if isinstance(undo, builtins.list) else [undo]
            uow.journal.add([JournalRow(batch.id, n, u.action, u.workshop_id, u.subject_id, actor.user_id,
                                        self._clock(), u.before, u.after) for n, u in enumerate(rows)])
        entry: dict[str, Any] = {
            "actor_id": actor.user_id,
            "actor_email": actor.email.lower(),
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "at": self._clock(),
            "details": _small(details or {}),
        }
        if batch is not None:
            entry["batch"] = batch.document()
        # Checked now, inside the change's transaction: a document MongoDB would refuse must
        # fail the change, not sit in the outbox blocking every later record.
        validate(entry, VALIDATOR)
        uow.outbox.add_later(OUTBOX_KIND, entry)

    def record_batch(self, uow: UnitOfWork, actor: Principal, batch_id: str, undoes: str | None,
                     rows: builtins.list[tuple[str, str, object, dict[str, Any]]]) -> int:
        """Queue the entries of one batch, (action, entity, entity_id, details) each, as one outbox
        record: every entry carries `batch: {id, row, rows}` (and `undoes` for an undo)."""
        at = self._clock()
        entries = []
        for row, (action, entity, entity_id, details) in enumerate(rows):
            entry: dict[str, Any] = {
                "actor_id": actor.user_id, "actor_email": actor.email.lower(), "action": action, "entity": entity,
                "entity_id": str(entity_id), "at": at, "details": _small(details),
                "batch": BatchMark(batch_id, row, len(rows), undoes).document(),
            }
            validate(entry, VALIDATOR)
            entries.append(entry)
        return uow.outbox.add(BATCH_KIND, {"entries": entries})

    def apply_batch(self, record: OutboxRecord) -> None:
        """Outbox handler: write a batch's entries, each under an id derived from the record and its row."""
        self._repo.put_many([
            (f"outbox:{record.id:019d}:{row:04d}", _entry(p)) for row, p in enumerate(record.payload["entries"])
        ])

    def apply(self, record: OutboxRecord) -> None:
        """Outbox handler: write the log document under an id derived from the record."""
        p = record.payload
        # Zero-padded so the string _id sorts like the outbox id: entries made in the same
        # instant then still list newest first.
        self._repo.put(f"outbox:{record.id:019d}", _entry(p))

    def list(self, principal: Principal, page: PageRequest, actor: str = "", action: str = "",
             batches: bool = False) -> Page[ActivityEntry]:
        """A page of the log, newest first: by the people whose name or email contains `actor`
        (any case, every character literal), and the exact action; with `batches`, each batch of
        several rows is one entry (open it with `batch`)."""
        require_role(principal, Role.ADMIN, doing="read the activity log")
        actor = validation.text(actor, "actor", "Actor", 0, validation.EMAIL_MAX).strip() if actor else ""
        action = validation.text(action, "action", "Action", 0, 64) if action else ""
        actor_ids = self._actors(actor) if actor else None
        if actor_ids == []:
            return Page([], 0, page)
        return self._repo.list(page, actor_ids=actor_ids, action=action, batches=batches)

    def _actors(self, term: str) -> builtins.list[int]:
        """The ids of the people (and the system actor) whose name or email contains `term`."""
        ids: builtins.list[int] = []
        if self._uow is not None:
            with self._uow() as uow:
                ids = uow.users.ids_matching(term, MAX_ACTORS)
        folded = fold(term)
        if folded in fold(SYSTEM.email) or folded in fold(SYSTEM.full_name):
            ids.append(SYSTEM.user_id)
        return ids

    def batch(self, principal: Principal, batch_id: object, page: PageRequest) -> Page[ActivityEntry]:
        """The entries of one batch, row by row."""
        require_role(principal, Role.ADMIN, doing="read the activity log")
        return self._repo.batch(batch_key(batch_id), page)

    def actions(self, principal: Principal) -> builtins.list[str]:
        require_role(principal, Role.ADMIN, doing="read the activity log")
        return self._repo.actions()
