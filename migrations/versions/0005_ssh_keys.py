"""ssh_keys: OpenSSH public keys for `skillhub ssh serve`

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ssh_keys",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("key_type", sa.String(40), nullable=False),
        sa.Column("bits", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(20000), nullable=False),
        sa.Column("comment", sa.String(200), nullable=False, server_default=sa.text("''")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ssh_keys")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE", name=op.f("fk_ssh_keys_user_id_users")),
        sa.CheckConstraint(
            "key_type IN ('ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', "
            "'ecdsa-sha2-nistp521', 'ssh-rsa')",
            name=op.f("ck_ssh_keys_key_type_known"),
        ),
        sa.CheckConstraint("key_type <> 'ssh-rsa' OR bits >= 3072", name=op.f("ck_ssh_keys_rsa_strong_enough")),
        sa.CheckConstraint("fingerprint LIKE 'SHA256:%'", name=op.f("ck_ssh_keys_fingerprint_sha256")),
    )
    op.create_index("uq_ssh_keys_fingerprint", "ssh_keys", ["fingerprint"], unique=True)
    op.create_index("ix_ssh_keys_user", "ssh_keys", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_ssh_keys_user", table_name="ssh_keys")
    op.drop_index("uq_ssh_keys_fingerprint", table_name="ssh_keys")
    op.drop_table("ssh_keys")
