"""The SSH server: SkillHub accounts log in (password or key), each connection gets its own app.

`start_server` listens with asyncssh: `connection.py` authenticates each connection through
`AuthService` and counts sessions against `policy.Limits`; `bridge.py` refuses everything a
client may ask besides one interactive session with a pty (one line each) and bridges that
session to its app, forked by `forkserver.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import asyncssh

from domain.services.container import Services
from tui.ssh.bridge import session_handler
from tui.ssh.connection import Connection, Gate
from tui.ssh.forkserver import ForkServer
from tui.ssh.policy import Limits


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
