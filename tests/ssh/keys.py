"""Throwaway SSH key pairs for the tests, made with asyncssh (no ssh-keygen needed)."""

from __future__ import annotations

import asyncssh


def key_pair(kind: str = "ssh-ed25519", **options: object) -> asyncssh.SSHKey:
    return asyncssh.generate_private_key(kind, comment="tester@laptop", **options)


def pub_line(key: asyncssh.SSHKey) -> str:
    """The key's .pub line, as a person pastes it."""
    return key.export_public_key("openssh").decode()
