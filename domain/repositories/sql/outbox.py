"""Queries on the `outbox` table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from bson import json_util
from sqlalchemy import Connection, Insert, String, bindparam, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from domain.repositories.sql.schema import outbox


@dataclass(frozen=True)
class OutboxRecord:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def stored_form(document: dict[str, Any]) -> Any:
    """What the JSONB column holds for a payload: Extended JSON, which keeps dates and ObjectIds
    exact; `payload_of` reads it back."""
    return json.loads(json_util.dumps(document, json_options=json_util.CANONICAL_JSON_OPTIONS))


def payload_of(stored: Any) -> dict[str, Any]:
    return json_util.loads(json.dumps(stored), json_options=json_util.CANONICAL_JSON_OPTIONS.with_options(tz_aware=True))


# One simple-protocol message with its own transaction (the connection is in autocommit).
_MARK_SETTLED = text(
    "BEGIN; SET LOCAL synchronous_commit = off; "
    "UPDATE outbox SET applied_at = :now, attempts = attempts + 1, last_error = NULL "
    "WHERE id = ANY(:ids) AND applied_at IS NULL; COMMIT"
)


@lru_cache(maxsize=32)
def _insert_records(count: int, ask_older: bool) -> Insert:
    """INSERT of `count` records (bound parameters kind_N, payload_N), built once per shape."""
    stmt = insert(outbox).values([{"kind": bindparam(f"kind_{n}", type_=String),
                                   "payload": bindparam(f"payload_{n}", type_=outbox.c.payload.type)}
                                  for n in range(count)])
    if not ask_older:
        return stmt.returning(outbox.c.id)
    # The subquery reads the statement's snapshot, which does not hold the new rows.
    other = outbox.alias("other")
    older = select(other.c.id).where(other.c.applied_at.is_(None)).limit(1).exists()
    return stmt.returning(outbox.c.id, older.label("older"))


class OutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, kind: str, payload: dict[str, Any]) -> int:
        return self.conn.execute(insert(outbox).values(kind=kind, payload=stored_form(payload)).returning(outbox.c.id)).scalar_one()

    def add_stored(self, records: list[tuple[str, Any]], ask_older: bool) -> tuple[list[int], bool]:
        """Insert (kind, payload in its stored JSON form) records in one statement: (their ids,
        in the order given, and with `ask_older`, whether an older record is still pending,
        read in the same statement)."""
        params: dict[str, Any] = {}
        for n, (kind, stored) in enumerate(records):
            params[f"kind_{n}"], params[f"payload_{n}"] = kind, stored
        rows = self.conn.execute(_insert_records(len(records), ask_older), params).all()
        # The ids come from the sequence in the order of the VALUES list; RETURNING's own order
        # is not promised, so they are sorted back into it.
        return sorted(row.id for row in rows), ask_older and bool(rows[0].older)

    def claim_pending(self, limit: int, only_ids: list[int] | None = None, wait: bool = False) -> list[OutboxRecord]:
        """Lock up to `limit` unapplied records in order; concurrent relays skip locked ones
        unless `wait`, which blocks until another relay holding them has committed."""
        stmt = select(outbox.c.id, outbox.c.kind, outbox.c.payload, outbox.c.attempts).where(outbox.c.applied_at.is_(None))
        if only_ids is not None:
            stmt = stmt.where(outbox.c.id.in_(only_ids))
        rows = self.conn.execute(stmt.order_by(outbox.c.id).limit(limit).with_for_update(skip_locked=not wait)).all()
        return [OutboxRecord(r.id, r.kind, payload_of(r.payload), r.attempts) for r in rows]

    def mark_applied(self, record_ids: list[int], now: datetime) -> None:
        """Mark records applied, in one statement."""
        if record_ids:
            self.conn.execute(
                update(outbox).where(outbox.c.id.in_(record_ids))
                .values(applied_at=now, attempts=outbox.c.attempts + 1, last_error=None)
            )

    def claim_own(self, record_ids: list[int]) -> tuple[list[OutboxRecord], bool]:
        """Lock these unapplied records (skipping any another relay holds), and say in the same
        statement whether an older record is still pending: (records, older pending)."""
        older = (select(outbox.c.id).where(outbox.c.applied_at.is_(None), outbox.c.id < min(record_ids))
                 .limit(1).exists().label("older"))
        rows = self.conn.execute(
            select(outbox.c.id, outbox.c.kind, outbox.c.payload, outbox.c.attempts, older)
            .where(outbox.c.applied_at.is_(None), outbox.c.id.in_(record_ids))
            .order_by(outbox.c.id).with_for_update(of=outbox, skip_locked=True)
        ).all()
        return [OutboxRecord(r.id, r.kind, payload_of(r.payload), r.attempts) for r in rows], any(r.older for r in rows)

    def mark_applied_counting(self, record_ids: list[int], now: datetime) -> int:
        """Mark records applied and return how many records stay pending, in one statement."""
        done = (update(outbox).where(outbox.c.id.in_(record_ids))
                .values(applied_at=now, attempts=outbox.c.attempts + 1, last_error=None)
                .returning(outbox.c.id).cte("done"))
        # The count reads the snapshot from before the UPDATE, where the marked records were pending.
        pending = select(func.count()).select_from(outbox).where(outbox.c.applied_at.is_(None)).scalar_subquery()
        return int(self.conn.execute(select(pending - select(func.count()).select_from(done).scalar_subquery()))
                   .scalar_one())

    def mark_settled(self, record_ids: list[int], now: datetime) -> bool:
        """Mark records applied unless a concurrent relay already did, in one round trip on a
        connection outside any transaction; False when PostgreSQL did not answer.

        The mark is committed without waiting for the disk (`synchronous_commit = off`): were
        the server to crash before writing it, the records would only be replayed, which
        changes nothing MongoDB holds. The change they carry was committed durably before."""
        if record_ids:
            try:
                self.conn.execute(_MARK_SETTLED, {"ids": list(record_ids), "now": now})
            except DBAPIError:
                return False
        return True

    def mark_failed(self, record_id: int, error: str) -> None:
        self.conn.execute(
            update(outbox).where(outbox.c.id == record_id).values(attempts=outbox.c.attempts + 1, last_error=error[:500])
        )

    def has_pending_before(self, record_id: int) -> bool:
        """True when a record older than `record_id` is still waiting to be applied."""
        stmt = select(outbox.c.id).where(outbox.c.applied_at.is_(None), outbox.c.id < record_id).limit(1)
        return self.conn.execute(stmt).first() is not None

    def pending_count(self) -> int:
        return self.conn.execute(select(func.count()).select_from(outbox).where(outbox.c.applied_at.is_(None))).scalar_one()

    def pending_summary(self, limit: int = 20) -> list[tuple[int, str, int, str | None]]:
        rows = self.conn.execute(
            select(outbox.c.id, outbox.c.kind, outbox.c.attempts, outbox.c.last_error)
            .where(outbox.c.applied_at.is_(None)).order_by(outbox.c.id).limit(limit)
        ).all()
        return [(r.id, r.kind, r.attempts, r.last_error) for r in rows]
