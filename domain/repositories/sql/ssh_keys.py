"""Queries on the `ssh_keys` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.errors import Conflict
from domain.models.ssh_keys import SshKey
from domain.repositories.sql.schema import ssh_keys
from domain.security.ssh_keys import ACCEPTED_TYPES, PublicKey

_COLUMNS = (
    ssh_keys.c.id, ssh_keys.c.user_id, ssh_keys.c.key_type, ssh_keys.c.bits, ssh_keys.c.fingerprint,
    ssh_keys.c.comment, ssh_keys.c.created_at, ssh_keys.c.last_used_at,
)


def _key(row: Any) -> SshKey:
    return SshKey(row.id, row.user_id, row.key_type, ACCEPTED_TYPES.get(row.key_type, row.key_type), row.bits,
                  row.fingerprint, row.comment, row.created_at, row.last_used_at)


class SshKeyRepository:
    """Read and write SSH keys inside the caller's unit of work."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, user_id: int, key: PublicKey, now: datetime) -> SshKey:
        try:
            with self.conn.begin_nested():
                row = self.conn.execute(
                    insert(ssh_keys).values(
                        user_id=user_id, key_type=key.key_type, bits=key.bits, fingerprint=key.fingerprint,
                        public_key=key.openssh, comment=key.comment, created_at=now,
                    ).returning(*_COLUMNS)
                ).one()
        except IntegrityError:
            raise Conflict(f"the key {key.fingerprint} is already registered") from None
        return _key(row)

    def of_user(self, user_id: int) -> list[SshKey]:
        rows = self.conn.execute(
            select(*_COLUMNS).where(ssh_keys.c.user_id == user_id).order_by(ssh_keys.c.created_at, ssh_keys.c.id)
        ).all()
        return [_key(row) for row in rows]

    def count_of_user(self, user_id: int) -> int:
        return self.conn.execute(
            select(func.count()).select_from(ssh_keys).where(ssh_keys.c.user_id == user_id)
        ).scalar_one()

    def by_fingerprint(self, fingerprint: str) -> SshKey | None:
        row = self.conn.execute(select(*_COLUMNS).where(ssh_keys.c.fingerprint == fingerprint)).one_or_none()
        return _key(row) if row else None

    def remove(self, user_id: int, fingerprint: str) -> SshKey | None:
        row = self.conn.execute(
            delete(ssh_keys).where(ssh_keys.c.user_id == user_id, ssh_keys.c.fingerprint == fingerprint)
            .returning(*_COLUMNS)
        ).one_or_none()
        return _key(row) if row else None

    def mark_used(self, key_id: int, now: datetime) -> None:
        self.conn.execute(update(ssh_keys).where(ssh_keys.c.id == key_id).values(last_used_at=now))
