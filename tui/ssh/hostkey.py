"""The SSH server's ed25519 host key: made once under SKILLHUB_DATA_DIR (mode 0600), then kept."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import asyncssh

from domain.errors import ConfigError

HOST_KEY_NAME = "ssh_host_ed25519_key"


def host_key_path(data_dir: Path) -> Path:
    return data_dir / HOST_KEY_NAME


def load_or_create_host_key(data_dir: Path) -> asyncssh.SSHKey:
    """The host key, created on first use.

    Written to a private temporary file, then hard-linked into place: the link fails if
    the key exists, so two servers starting at once never overwrite each other's key and
    nobody ever reads half a key file."""
    path = host_key_path(data_dir)
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = asyncssh.generate_private_key("ssh-ed25519", comment="SkillHub host key")
        fd, temp = tempfile.mkstemp(dir=data_dir, prefix=".ssh_host_key.")
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, key.export_private_key())
            os.fsync(fd)
            os.close(fd)
            try:
                os.link(temp, path)
            except FileExistsError:
                pass  # another server made it first: use theirs
        finally:
            os.unlink(temp)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"the SSH host key {path} is readable by others (mode {mode:o}): chmod 600 it")
    try:
        return asyncssh.read_private_key(str(path))
    except (asyncssh.KeyImportError, OSError) as exc:
        raise ConfigError(f"the SSH host key {path} cannot be read: {exc}") from None


def host_key_fingerprint(key: asyncssh.SSHKey) -> str:
    """As `ssh-keygen -lf` prints it, and as the OpenSSH client shows it on first connection."""
    return f"256 {key.get_fingerprint('sha256')} SkillHub host key (ED25519)"
