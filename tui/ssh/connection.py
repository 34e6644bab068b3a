"""One client connection (`Connection`: authentication through AuthService, forwarding refused)
and what every connection of a server shares (`Gate`: session counts, thread pools).

Authentication goes through `AuthService`, as on the login screen: the password path is
`AuthService.login` itself (same generic failure, same lockout, `auth_events` with source
`ssh`), the key path `AuthService.login_with_key`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncssh

from domain.errors import AuthenticationFailed, SkillHubError
from domain.services.auth import Session
from domain.services.container import Services
from tui.ssh.forkserver import ForkServer
from tui.ssh.policy import (
    REFUSE_AGENT,
    REFUSE_FORWARDING,
    REFUSE_TOO_MANY,
    REFUSE_TOO_MANY_USER,
    REFUSE_X11,
    Limits,
)

log = logging.getLogger("skillhub.ssh")

T = TypeVar("T")


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

            conn.attach_x11_listener = refuse_x11  # type: ignore[method-assign,assignment]

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
