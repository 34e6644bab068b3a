"""SSH public keys registered to an account (for `skillhub ssh serve`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SshKey:
    """One registered public key; the fingerprint names it everywhere."""

    id: int
    user_id: int
    key_type: str
    algorithm: str
    bits: int
    fingerprint: str
    comment: str
    created_at: datetime
    last_used_at: datetime | None
