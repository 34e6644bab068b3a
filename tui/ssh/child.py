"""One SSH session's app, in a process forked from the fork server.

The child takes the pty as its controlling terminal and as stdin, stdout and stderr,
reads its session (token and principal) from the pipe the server wrote it to, builds
its own services (its own small connection pool), and runs SkillHubApp on Home.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import re
import signal
import sys
import termios
from datetime import datetime
from typing import Any

from domain.bootstrap import bootstrap
from domain.infrastructure.logfile import LogSetup
from domain.models.users import Principal, Role
from domain.services.auth import Session

log = logging.getLogger("skillhub.ssh")

# The client's variables a session takes over (TERM comes from the pty request).
CLIENT_ENV_NAMES = ("COLORTERM", "LANG")
CLIENT_ENV_PREFIXES = ("LC_",)
TERM_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
DEFAULT_TERM = "xterm-256color"
MAX_ENV_VALUE = 256
# A session's app runs a few workers at a time: a small pool lets many sessions share PostgreSQL.
POOL_SIZE, MAX_OVERFLOW = 2, 3
STOPPING = "SkillHub's SSH server is stopping: your session has ended."


def client_environment(env: dict[str, str]) -> dict[str, str]:
    """The allow-listed part of what the client sent (COLORTERM, LANG, LC_*), printable and short."""
    allowed = {}
    for name, value in env.items():
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        if name in CLIENT_ENV_NAMES or (name.startswith(CLIENT_ENV_PREFIXES) and name[3:].isalpha()):
            if len(value) <= MAX_ENV_VALUE and value.isprintable():
                allowed[name] = value
    return allowed


def terminal_type(term: str | None) -> str:
    return term if term and TERM_PATTERN.match(term) else DEFAULT_TERM


def encode_session(session: Session) -> bytes:
    """What the server writes into the session pipe (read back by `decode_session`)."""
    p = session.principal
    return json.dumps({
        "token": session.token, "expires_at": session.expires_at.isoformat(),
        "user_id": p.user_id, "email": p.email, "full_name": p.full_name, "role": p.role.value, "jti": p.token_id,
    }).encode()


def decode_session(raw: bytes) -> Session:
    data = json.loads(raw)
    principal = Principal(int(data["user_id"]), str(data["email"]), str(data["full_name"]), Role.parse(data["role"]),
                          str(data["jti"]))
    return Session(str(data["token"]), principal, datetime.fromisoformat(data["expires_at"]))


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _take_terminal(slave_fd: int) -> None:
    """Become a session leader with the pty as controlling terminal and standard streams."""
    os.setsid()
    fcntl.ioctl(slave_fd, termios.TIOCSCTTY, 0)
    for target in (0, 1, 2):
        os.dup2(slave_fd, target)
    if slave_fd > 2:
        os.close(slave_fd)
    # The fork server's stream objects were made for its own stdio: new ones, on the pty, in UTF-8.
    # typeshed marks sys.__stdin__ and its kin Final; a forked child that has moved its stdio sets them anyway.
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", errors="replace", closefd=False)  # type: ignore[misc]  # noqa: SIM115
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # type: ignore[misc]  # noqa: SIM115
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="replace", closefd=False)  # type: ignore[misc]  # noqa: SIM115


def _log_to(fd: int, label: str, logs: LogSetup) -> LogSetup:
    """Keep the log file; send what goes to a terminal to the server's stderr (kept as `fd`),
    labelled with the session, never to the pty behind the app."""
    stream = os.fdopen(fd, "w", buffering=1, encoding="utf-8", errors="replace")
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(f"skillhub ssh [{label}]: %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if logs.terminal_handler is not None:
        root.removeHandler(logs.terminal_handler)
    root.addHandler(handler)
    return dataclasses.replace(logs, terminal_handler=handler)


def _set_environment(term: str, env: dict[str, str]) -> None:
    for name in list(os.environ):
        if name in ("TERM", "COLUMNS", "LINES", *CLIENT_ENV_NAMES) or name.startswith(CLIENT_ENV_PREFIXES):
            del os.environ[name]
    os.environ.update(client_environment(env))
    os.environ["TERM"] = terminal_type(term)


def run_session(request: dict[str, Any], slave_fd: int, session_fd: int, context: dict[str, Any]) -> int:
    """Run one session's app; the exit status goes back to the SSH client."""
    label = str(request.get("label", "?"))[:80]
    logs = _log_to(os.dup(2), label, context["logs"])
    raw = _read_all(session_fd)
    _take_terminal(slave_fd)
    _set_environment(str(request.get("term") or ""), dict(request.get("env") or {}))
    session = decode_session(raw)
    del raw
    skillhub = bootstrap(context["settings"], endpoints=context["endpoints"], pool_size=POOL_SIZE,
                         max_overflow=MAX_OVERFLOW)
    services = skillhub.services
    from tui.app import SkillHubApp
    from tui.terminal import quiet_terminal

    app: SkillHubApp | None = None

    def stop(*_: object) -> None:
        # Called when the server stops (or the fork server goes): leave cleanly, restoring the client's terminal.
        if app is not None:
            app.farewell = STOPPING
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().call_soon_threadsafe(app.exit, None, 1)

    signal.signal(signal.SIGTERM, stop)
    try:
        # Like `skillhub run`: while the app runs, whatever else is written goes to the log file.
        with quiet_terminal(logs) as driver:
            app = SkillHubApp(services, session=session, driver_class=driver)
            app.run()
        if app.farewell:
            print(app.farewell, file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # The session ends with its app: no token of it may outlive it (a re-authentication in
        # the app started another session, whose token the app holds).
        tokens = {session.token, *([app.session.token] if app is not None and app.session.token else [])}
        for token in tokens:
            try:
                services.auth.logout(token, source="ssh")
            except Exception:  # noqa: BLE001 - a database outage must not keep the process alive
                log.warning("could not revoke a session token of %s", session.principal.email, exc_info=True)
        skillhub.close()
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
            sys.stdout.flush()
    return int(app.return_code or 0) if app is not None else 1
