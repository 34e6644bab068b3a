"""The SSH server: SkillHub accounts log in (password or key), each connection gets its own app.

Authentication goes through `AuthService`, as on the login screen: the password path is
`AuthService.login` itself (same generic failure, same lockout, `auth_events` with source
`ssh`), the key path `AuthService.login_with_key`. Everything a client may ask besides
one interactive session with a pty is refused with a one-line message.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import pty
import signal
import struct
import termios
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncssh

from domain.config import Settings
from domain.errors import AuthenticationFailed, SkillHubError
from domain.services.container import Services
from domain.services.auth import Session
from tui.ssh.child import encode_session
from tui.ssh.forkserver import Child, ForkServer

log = logging.getLogger("skillhub.ssh")

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """What one server allows; `skillhub ssh serve` prints them when it starts."""

    max_sessions: int = 20
    max_sessions_per_user: int = 3
    # Password tries per connection before the server disconnects (each goes to AuthService).
    max_password_tries: int = 3
    # Public keys a client may offer per connection (an agent may hold several; OpenSSH allows 6 tries).
    max_key_offers: int = 10
    login_timeout_s: float = 30.0
    # Connections that have not finished logging in, at once (like OpenSSH's MaxStartups).
    max_unauthenticated: int = 10
    # bcrypt checks at once: each takes a core for ~0.25 s at cost 12.
    password_workers: int = 2
    # Key and session look-ups (short database queries) at once.
    lookup_workers: int = 4
    # A client that vanishes without closing its connection is noticed after about interval × count.
    keepalive_interval_s: float = 5.0
    keepalive_count_max: int = 3
    # How long a session's app gets to end after its client has gone, before it is killed.
    child_grace_s: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(max_sessions=settings.ssh_max_sessions, max_sessions_per_user=settings.ssh_max_sessions_per_user)

    def lines(self) -> list[str]:
        return [
            f"sessions: {self.max_sessions} at once, {self.max_sessions_per_user} per person "
            "(SKILLHUB_SSH_MAX_SESSIONS, SKILLHUB_SSH_MAX_SESSIONS_PER_USER)",
            f"login: {self.max_password_tries} password tries and {self.max_key_offers} key offers per connection, "
            f"{self.login_timeout_s:g} s to log in, {self.max_unauthenticated} connections logging in at once",
            f"password checks: {self.password_workers} at a time; a silent client is dropped after "
            f"~{self.keepalive_interval_s * self.keepalive_count_max:g} s",
        ]


REFUSE_COMMAND = "SkillHub runs no command over SSH: connect without one (ssh -p PORT EMAIL@HOST)."
REFUSE_SCP = "SkillHub does not copy files (scp): nothing to copy here."
REFUSE_SUBSYSTEM = "SkillHub offers no {name} subsystem: no file transfer here."
REFUSE_NO_PTY = "SkillHub needs a terminal: connect with ssh -t (and without -T)."
REFUSE_SECOND = "One SkillHub session per connection: open another connection."
REFUSE_TOO_MANY = "SkillHub already has {count} sessions open, its limit: try again later."
REFUSE_TOO_MANY_USER = "You already have {count} SkillHub sessions open, your limit: close one first."
REFUSE_FORWARDING = "SkillHub does not forward connections."
REFUSE_AGENT = "agent forwarding refused: SkillHub needs no SSH agent."
REFUSE_X11 = "X11 forwarding refused: SkillHub draws in your terminal."
LOGIN_REFUSED = "Login refused."
UNAVAILABLE = "SkillHub cannot start your session now: {reason}"


class Gate:
    """Counters and pools shared by every connection of one server."""

    def __init__(self, services: Services, forks: ForkServer, limits: Limits) -> None:
        self.services = services
        self.forks = forks
        self.limits = limits
        self.unauthenticated = 0
        self.sessions: dict[int, int] = {}
        self.connections: set[Connection] = set()
        # The session handlers running now: a stop lets them send their exit status before closing.
        self.handlers: set[asyncio.Task[Any]] = set()
        self.passwords = ThreadPoolExecutor(limits.password_workers, thread_name_prefix="ssh-password")
        self.lookups = ThreadPoolExecutor(limits.lookup_workers, thread_name_prefix="ssh-lookup")
        self.next_label = 1

    async def run(self, pool: ThreadPoolExecutor, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool, call, *args)

    def open_session(self, user_id: int) -> str | None:
        """Count a session in, or say why not."""
        total = sum(self.sessions.values())
        if total >= self.limits.max_sessions:
            return REFUSE_TOO_MANY.format(count=self.limits.max_sessions)
        if self.sessions.get(user_id, 0) >= self.limits.max_sessions_per_user:
            return REFUSE_TOO_MANY_USER.format(count=self.limits.max_sessions_per_user)
        self.sessions[user_id] = self.sessions.get(user_id, 0) + 1
        return None

    def close_session(self, user_id: int) -> None:
        left = self.sessions.get(user_id, 0) - 1
        if left > 0:
            self.sessions[user_id] = left
        else:
            self.sessions.pop(user_id, None)

    def shutdown(self) -> None:
        self.passwords.shutdown(wait=False, cancel_futures=True)
        self.lookups.shutdown(wait=False, cancel_futures=True)


@dataclass(eq=False)
class Connection(asyncssh.SSHServer):
    """One client connection: its authentication, then at most one app."""

    gate: Gate
    conn: asyncssh.SSHServerConnection | None = None
    email: str = ""
    peer: str = "?"
    authenticated: bool = False
    password_tries: int = 0
    key_offers: int = 0
    refusal_recorded: bool = False
    offered_key: bytes | None = None
    session: asyncio.Future[Session] | None = None
    app_started: bool = False
    refused: set[str] = field(default_factory=set)
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    # -- connection ---------------------------------------------------------------------

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.peer = f"{peer[0]}:{peer[1]}"
        self.session = asyncio.get_running_loop().create_future()
        self.gate.connections.add(self)
        self._notice_forwarding_requests(conn)
        if self.gate.unauthenticated >= self.gate.limits.max_unauthenticated:
            log.warning("refused %s: %d connections are already logging in", self.peer, self.gate.unauthenticated)
            self.authenticated = True  # not counted as logging in: it is going away
            conn.disconnect(asyncssh.DISC_TOO_MANY_CONNECTIONS, "Too many connections are logging in: try again later")
            return
        self.gate.unauthenticated += 1

    def _notice_forwarding_requests(self, conn: asyncssh.SSHServerConnection) -> None:
        """Refuse agent and X11 forwarding as asyncssh does (both off), but remember they were asked.

        OpenSSH asks for agent forwarding without waiting for an answer, so a refusal at the
        protocol level is silent; remembered here, each refusal is said in one line when the
        session starts. asyncssh has no hook for them: the two methods of its connection that
        would set them up are replaced on this one instance (should a later asyncssh rename
        them, the refusals stay, only silent)."""
        if callable(getattr(conn, "create_agent_listener", None)):
            async def refuse_agent() -> bool:
                self.refused.add(REFUSE_AGENT)
                return False

            conn.create_agent_listener = refuse_agent  # type: ignore[method-assign]
        if callable(getattr(conn, "attach_x11_listener", None)):
            async def refuse_x11(*_: object) -> None:
                self.refused.add(REFUSE_X11)

            conn.attach_x11_listener = refuse_x11  # type: ignore[method-assign]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.authenticated:
            self.gate.unauthenticated -= 1
            self.authenticated = True
        self.gate.connections.discard(self)
        if self.session is not None and not self.session.done():
            self.session.cancel()
        self.closed.set()

    # -- authentication -----------------------------------------------------------------

    def begin_auth(self, username: str) -> bool:
        self.email = username
        return True

    def password_auth_supported(self) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def kbdint_auth_supported(self) -> bool:
        return False

    def _disconnect(self, reason: str) -> None:
        # At once, not after the failure reply: the client must not get to send another try.
        if self.conn is not None:
            self.conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, reason)

    async def validate_password(self, username: str, password: str) -> bool:
        self.password_tries += 1
        if self.password_tries > self.gate.limits.max_password_tries:
            self._disconnect("Too many authentication failures")
            return False
        session = None
        # An empty password is a slip, as on the login screen: a try for this connection,
        # but neither checked nor recorded.
        if password:
            try:
                session = await self.gate.run(self.gate.passwords, self.gate.services.auth.login, username, password,
                                              "ssh")
            except AuthenticationFailed:
                session = None
            except SkillHubError as exc:
                log.warning("password check for %s from %s failed: %s", username[:254], self.peer, exc.message)
        if session is not None:
            assert self.session is not None
            if not self.session.done():
                self.session.set_result(session)
            return True
        if self.password_tries >= self.gate.limits.max_password_tries:
            self._disconnect("Too many authentication failures")
        return False

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        self.key_offers += 1
        if self.key_offers > self.gate.limits.max_key_offers:
            self._disconnect("Too many keys offered")
            return False
        blob = key.public_data
        auth = self.gate.services.auth
        try:
            outcome = await self.gate.run(self.gate.lookups, auth.key_outcome, username, blob)
        except SkillHubError as exc:
            log.warning("key check for %s from %s failed: %s", username[:254], self.peer, exc.message)
            return False
        if outcome == "success":
            # A probe, or the signed request itself: asyncssh checks the signature after this.
            self.offered_key = blob
            return True
        if outcome in ("locked", "inactive") and not self.refusal_recorded:
            # A registered key of a locked or inactive account: the refusal is recorded once.
            self.refusal_recorded = True
            with contextlib.suppress(SkillHubError):
                await self.gate.run(self.gate.lookups, auth.login_with_key, username, blob, "ssh")
        return False

    def auth_completed(self) -> None:
        if not self.authenticated:
            self.gate.unauthenticated -= 1
            self.authenticated = True
        assert self.session is not None
        if not self.session.done() and self.offered_key is not None:
            asyncio.get_running_loop().create_task(self._key_session(self.offered_key))

    async def _key_session(self, blob: bytes) -> None:
        """The signature checked: record the key login and issue its session (re-checking the account)."""
        assert self.session is not None
        try:
            session = await self.gate.run(self.gate.lookups, self.gate.services.auth.login_with_key, self.email, blob,
                                          "ssh")
        except SkillHubError as exc:
            if not self.session.done():
                self.session.set_exception(exc)
            return
        if not self.session.done():
            self.session.set_result(session)

    # -- what else a client may ask: refused ------------------------------------------------

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, REFUSE_FORWARDING)

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, REFUSE_FORWARDING)

    def unix_server_requested(self, listen_path: str) -> bool:
        return False


def _set_window_size(fd: int, size: tuple[int, int, int, int]) -> None:
    width, height, pixwidth, pixheight = size  # asyncssh gives the width first
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height or 24, width or 80, pixheight, pixwidth))


def _refuse(process: asyncssh.SSHServerProcess[bytes], message: str, status: int = 1) -> None:
    newline = "\r\n" if process.get_terminal_type() else "\n"
    process.stderr.write(f"skillhub: {message}{newline}".encode())
    process.exit(status)


def session_handler(gate: Gate) -> Callable[[asyncssh.SSHServerProcess[bytes]], Any]:
    """asyncssh's process_factory: refuse what is not an interactive session, else run the app."""

    async def handle(process: asyncssh.SSHServerProcess[bytes]) -> None:
        task = asyncio.current_task()
        assert task is not None
        gate.handlers.add(task)
        try:
            await _handle(process)
        finally:
            gate.handlers.discard(task)

    async def _handle(process: asyncssh.SSHServerProcess[bytes]) -> None:
        connection = process.get_extra_info("connection").get_owner()
        assert isinstance(connection, Connection) and connection.session is not None
        command, subsystem = process.command, process.subsystem
        if command is not None:
            _refuse(process, REFUSE_SCP if command.split()[:1] == ["scp"] else REFUSE_COMMAND)
            return
        if subsystem is not None:
            _refuse(process, REFUSE_SUBSYSTEM.format(name=subsystem[:40]))
            return
        if process.get_terminal_type() is None:
            _refuse(process, REFUSE_NO_PTY)
            return
        if connection.app_started:
            _refuse(process, REFUSE_SECOND)
            return
        connection.app_started = True
        try:
            session = await asyncio.wait_for(asyncio.shield(connection.session), 15)
        except (SkillHubError, asyncio.CancelledError, TimeoutError):
            _refuse(process, LOGIN_REFUSED)
            return
        user_id = session.principal.user_id
        refusal = gate.open_session(user_id)
        if refusal is not None:
            _refuse(process, refusal)
            return
        for refusal in sorted(connection.refused):
            # Said before the app takes the screen: it is there again when the session ends.
            process.stderr.write(f"skillhub: {refusal}\r\n".encode())
        try:
            await _run_app(gate, connection, process, session)
        finally:
            gate.close_session(user_id)

    return handle


async def _run_app(gate: Gate, connection: Connection, process: asyncssh.SSHServerProcess[bytes],
                   session: Session) -> None:
    """Start the app on its own pty, bridge it to the channel, end one with the other."""
    label = f"{gate.next_label} {session.principal.email} {connection.peer}"
    gate.next_label += 1
    master, slave = pty.openpty()
    _set_window_size(slave, process.term_size)
    session_read, session_write = os.pipe()
    try:
        os.write(session_write, encode_session(session))
    finally:
        os.close(session_write)
    del session  # the token now lives only in the pipe, then in the child
    request = {"term": process.get_terminal_type(), "env": dict(process.env), "label": label}
    try:
        child = await gate.forks.spawn(request, slave, session_read)
    except (ConnectionError, RuntimeError, OSError) as exc:
        os.close(master)
        _refuse(process, UNAVAILABLE.format(reason=str(exc)))
        return
    finally:
        os.close(slave)
        os.close(session_read)
    log.info("session %s: app started (pid %s)", label, child.pid)
    # asyncssh owns both fds from here (it closes each one): the same fd twice would be closed twice.
    await process.redirect(stdin=master, stdout=os.dup(master))
    closed = asyncio.ensure_future(connection.closed.wait())
    try:
        await asyncio.wait({child.exited, closed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closed.cancel()
    if child.exited.done():
        status = _status(child)
        # The app's last bytes (leaving the alternate screen) must reach the client before the exit status.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(process.stdout.drain(), 5)
        process.exit(status)
        log.info("session %s: app ended with status %d", label, status)
        return
    log.info("session %s: the client has gone; ending its app", label)
    await end_child(gate, child)


def _status(child: Child) -> int:
    try:
        return child.exited.result()
    except (ConnectionError, RuntimeError):
        return 1


async def end_child(gate: Gate, child: Child) -> None:
    """SIGHUP (the terminal hung up), then SIGKILL after the grace period."""
    gate.forks.signal(child, signal.SIGHUP)
    try:
        await asyncio.wait_for(asyncio.shield(child.exited), gate.limits.child_grace_s)
    except TimeoutError:
        gate.forks.signal(child, signal.SIGKILL)
        with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
            await asyncio.wait_for(asyncio.shield(child.exited), gate.limits.child_grace_s)
    except (ConnectionError, RuntimeError):
        pass


@dataclass
class RunningServer:
    """A started server: its address, and how to stop it."""

    server: asyncssh.SSHAcceptor
    gate: Gate
    host: str
    port: int

    async def stop(self) -> None:
        """Stop listening, end every app (they restore their clients' terminals), close every connection."""
        self.server.close()
        await self.gate.forks.stop()
        if self.gate.handlers:
            await asyncio.wait(set(self.gate.handlers), timeout=10)
        for connection in list(self.gate.connections):
            if connection.conn is not None:
                connection.conn.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 5)
        self.gate.shutdown()


async def start_server(services: Services, host_key: asyncssh.SSHKey, host: str, port: int,
                       limits: Limits) -> RunningServer:
    """Start the fork server, then listen."""
    # Made before the first login (a thread: ~0.25 s of bcrypt), so that even the first unknown email costs one check.
    await asyncio.to_thread(services.auth.warm_up)
    forks = await ForkServer.start()
    gate = Gate(services, forks, limits)
    try:
        server = await asyncssh.create_server(
            lambda: Connection(gate), host, port,
            server_host_keys=[host_key],
            process_factory=session_handler(gate),
            encoding=None,
            line_editor=False,
            # asyncssh would otherwise offer keyboard-interactive backed by validate_password,
            # and accept agent forwarding: both off.
            kbdint_auth=False,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            sftp_factory=None,
            login_timeout=limits.login_timeout_s,
            keepalive_interval=limits.keepalive_interval_s,
            keepalive_count_max=limits.keepalive_count_max,
            server_version="SkillHub",
        )
    except OSError:
        await forks.stop()
        gate.shutdown()
        raise
    return RunningServer(server, gate, host, server.get_port())
