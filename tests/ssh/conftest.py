"""A real `skillhub ssh serve` on the test databases, and SSH clients to talk to it.

The server runs as its own process, started as an operator would (`python -m tui.cli ssh
serve --port 0`), with exactly the test settings; the clients are asyncssh's client and,
where it is installed, OpenSSH's `ssh`. Every wait polls with a generous deadline: the
machine may be busy with other work.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from domain.config import Settings
from domain.models.users import SYSTEM, Role
from domain.infrastructure.connections import Endpoints
from tests.harness import services_for
from tests.conftest import TEST_PASSWORD, TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120
# A busy 2-core machine can take seconds to fork and draw an app: wait long, poll often.
SCREEN_TIMEOUT_S = 60
MAX_SESSIONS = 8
MAX_SESSIONS_PER_USER = 2


@dataclass
class SshServer:
    """A running `skillhub ssh serve` process."""

    process: subprocess.Popen[str]
    port: int
    data_dir: Path
    output: list[str]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def server_environment(endpoints: Endpoints, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKILLHUB_", "DATABASE_", "MONGO_"))}
    env.update({
        "SKILLHUB_ENV_FILE": os.devnull,
        "DATABASE_URL": endpoints.database_url,
        "MONGO_URL": endpoints.mongo_url,
        "MONGO_DB": endpoints.mongo_db,
        "SKILLHUB_SECRET_KEY": TEST_SECRET,
        "SKILLHUB_DATA_DIR": str(data_dir),
        "SKILLHUB_BCRYPT_ROUNDS": "10",
        "SKILLHUB_SSH_MAX_SESSIONS": str(MAX_SESSIONS),
        "SKILLHUB_SSH_MAX_SESSIONS_PER_USER": str(MAX_SESSIONS_PER_USER),
        "TEXTUAL_ANIMATIONS": "none",
    })
    env.update(extra)
    return env


def start_server(endpoints: Endpoints, data_dir: Path, **extra: str) -> SshServer:
    """Start the server and wait for its "listening on" line (it prints the port it got)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "ssh", "serve", "--port", "0"],
        cwd=ROOT, env=server_environment(endpoints, data_dir, **extra), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    )
    output: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        match = re.search(r"listening on [\d.]+:(\d+)", line)
        if match:
            os.set_blocking(process.stdout.fileno(), False)
            return SshServer(process, int(match.group(1)), data_dir, output)
    process.kill()
    raise AssertionError("the SSH server did not start:\n" + "".join(output) + (process.stdout.read() or ""))


@pytest.fixture(scope="module")
def ssh_server(settings: Settings, migrated: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """One server for a module's tests (each test's `services` fixture empties the data, not the server)."""
    services = services_for(settings, endpoints=migrated)
    try:
        # An empty database at start-up would be seeded with the demo data, as `skillhub run` does.
        if services.users.list(SYSTEM, _first_page()).total == 0:
            services.users.create(SYSTEM, "placeholder@example.org", "Placeholder", Role.LEARNER.value, TEST_PASSWORD)
    finally:
        services.close()
    server = start_server(migrated, tmp_path_factory.mktemp("ssh-data"))
    yield server
    assert server.stop() == 0, "".join(server.output)


def _first_page():  # noqa: ANN202
    from domain.models.paging import PageRequest

    return PageRequest(1, 1)


# -- clients ---------------------------------------------------------------------------------


async def connect(port: int, email: str, password: str | None = None,
                  key: asyncssh.SSHKey | None = None) -> asyncssh.SSHClientConnection:
    return await asyncio.wait_for(asyncssh.connect(
        "127.0.0.1", port, username=email, password=password, client_keys=[key] if key else None,
        known_hosts=None, agent_path=None, preferred_auth="publickey" if key else "password",
    ), SCREEN_TIMEOUT_S)


class Screen:
    """The bytes an app sent to its client, read until something shows up."""

    def __init__(self, process: asyncssh.SSHClientProcess[bytes]) -> None:
        self.process = process
        self.data = b""

    async def wait_for(self, needle: bytes | str, timeout: float = SCREEN_TIMEOUT_S) -> bytes:
        wanted = needle.encode() if isinstance(needle, str) else needle
        deadline = asyncio.get_running_loop().time() + timeout
        start = max(0, len(self.data) - len(wanted))
        while wanted not in self.data[start:]:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"{wanted!r} never came; last bytes: {self.data[-400:]!r}")
            try:
                chunk = await asyncio.wait_for(self.process.stdout.read(65536), left)
            except TimeoutError:
                continue
            if not chunk:
                raise AssertionError(f"the session ended before {wanted!r}; last bytes: {self.data[-400:]!r}")
            self.data += chunk
        return self.data

    async def until_closed(self, timeout: float = SCREEN_TIMEOUT_S) -> int | None:
        """Read to the end; the exit status."""
        async def drain() -> None:
            while chunk := await self.process.stdout.read(65536):
                self.data += chunk
        await asyncio.wait_for(drain(), timeout)
        await asyncio.wait_for(self.process.wait_closed(), timeout)
        return self.process.exit_status


async def open_app(conn: asyncssh.SSHClientConnection, size: tuple[int, int] = (100, 30),
                   term: str = "xterm-256color", env: dict[str, str] | None = None) -> Screen:
    process = await conn.create_process(term_type=term, term_size=size, encoding=None, env=env or {})
    return Screen(process)


# -- processes -------------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """Direct children of a process (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the ppid follows the last ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def descendants_of(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children_of(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def fork_server_of(server: SshServer) -> int:
    forks = [pid for pid in children_of(server.pid) if "tui.ssh.forkserver" in _cmdline(pid)]
    assert len(forks) == 1, forks
    return forks[0]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


async def wait_until(check: object, timeout: float = SCREEN_TIMEOUT_S, what: str = "condition") -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not true after {timeout} s")
        await asyncio.sleep(0.1)
