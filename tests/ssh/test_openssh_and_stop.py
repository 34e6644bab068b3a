"""OpenSSH's own `ssh` on a pty, a client killed mid-session, and stopping the server."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from domain.models.users import Principal
from domain.infrastructure.connections import Endpoints
from domain.services.container import Services
from tests.conftest import TEST_PASSWORD
from tests.ssh.conftest import (
    SCREEN_TIMEOUT_S,
    SshServer,
    alive,
    children_of,
    connect,
    descendants_of,
    fork_server_of,
    open_app,
    start_server,
    wait_until,
)
from tests.ssh.keys import key_pair, pub_line
from tui.ssh.child import STOPPING

SSH = shutil.which("ssh")
needs_openssh = pytest.mark.skipif(SSH is None, reason="the OpenSSH client is not installed")


class OpenSsh:
    """`ssh` running on a pty of its own, as in a person's terminal."""

    def __init__(self, args: list[str], size: tuple[int, int] = (100, 30)) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = dict(os.environ, TERM="xterm-256color")
        # The pty is ssh's controlling terminal: it reads the password from /dev/tty.
        self.process = subprocess.Popen([SSH or "ssh", *args], stdin=slave, stdout=slave, stderr=slave,
                                        start_new_session=True, env=env,
                                        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.master = master
        self.data = b""

    def read_until(self, pattern: bytes, timeout: float = SCREEN_TIMEOUT_S) -> bytes:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.data):
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never came; last bytes: {self.data[-400:]!r}")
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"ssh ended before {pattern!r}; last bytes: {self.data[-400:]!r}")
                self.data += chunk
        return self.data

    def read_to_end(self, timeout: float = SCREEN_TIMEOUT_S) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.data += chunk
        return self.process.wait(timeout=max(1.0, deadline - time.monotonic()))

    def type(self, text: bytes) -> None:
        os.write(self.master, text)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def ssh_args(server: SshServer, email: str, *extra: str) -> list[str]:
    return ["-p", str(server.port), "-l", email, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=30", *extra, "127.0.0.1"]


@needs_openssh
def test_openssh_password_login_lands_on_home_and_ctrl_q_restores_the_terminal(ssh_server: SshServer,
                                                                               services: Services,
                                                                               admin: Principal) -> None:
    client = OpenSsh(ssh_args(ssh_server, admin.email, "-o", "PubkeyAuthentication=no", "-o",
                              "PreferredAuthentications=password"))
    try:
        client.read_until(rb"password:")
        client.type(TEST_PASSWORD.encode() + b"\r")
        client.read_until(re.escape(f"<{admin.email}>".encode()))
        client.read_until(rb"SSH keys")
        client.type(b"\x11")  # ctrl+q
        assert client.read_to_end() == 0
    finally:
        client.close()
    after_app = client.data.rsplit(b"SSH keys", 1)[1]
    assert b"\x1b[?1049l" in after_app  # the alternate screen was left: the terminal is the person's again


@needs_openssh
def test_openssh_killed_client_leaves_no_child(ssh_server: SshServer, services: Services, learner: Principal,
                                               tmp_path: Path) -> None:
    key = key_pair()
    key_file = tmp_path / "id_ed25519"
    key_file.write_bytes(key.export_private_key())
    key_file.chmod(0o600)
    services.ssh_keys.add(learner, learner.user_id, pub_line(key))
    forks = fork_server_of(ssh_server)
    client = OpenSsh(ssh_args(ssh_server, learner.email, "-i", str(key_file), "-o", "IdentitiesOnly=yes",
                              "-o", "PasswordAuthentication=no", "-o", "IdentityAgent=none"))
    try:
        client.read_until(re.escape(f"<{learner.email}>".encode()))
        apps = children_of(forks)
        assert len(apps) == 1
        client.process.send_signal(signal.SIGKILL)
        client.process.wait()
        # Gone and reaped (a zombie still shows among the fork server's children).
        deadline = time.monotonic() + 30
        while children_of(forks) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(apps[0])
        assert children_of(forks) == []
    finally:
        client.close()


async def test_stopping_the_server_ends_every_session_and_leaves_no_process(
        services: Services, admin: Principal, trainer: Principal, migrated: Endpoints, tmp_path: Path) -> None:
    server = start_server(migrated, tmp_path)
    try:
        processes = [server.pid, *descendants_of(server.pid)]
        connections = [await connect(server.port, who.email, TEST_PASSWORD) for who in (admin, trainer)]
        screens = [await open_app(conn) for conn in connections]
        for screen, who in zip(screens, (admin, trainer), strict=True):
            await screen.wait_for(f"<{who.email}>")
        processes += [pid for pid in descendants_of(server.pid) if pid not in processes]
        assert len(processes) == 4  # the server, its fork server, two apps

        server.process.send_signal(signal.SIGTERM)
        statuses = await asyncio.gather(*(screen.until_closed() for screen in screens))
        # Each app was told, restored its client's terminal, and ended; the status says it was not the person.
        assert statuses == [1, 1]
        for screen in screens:
            assert STOPPING.encode() in screen.data and b"\x1b[?1049l" in screen.data
        for conn in connections:
            conn.close()
        assert await asyncio.to_thread(server.process.wait, 60) == 0
        await wait_until(lambda: not any(alive(pid) for pid in processes), timeout=30, what="every process ended")
    finally:
        server.stop()
