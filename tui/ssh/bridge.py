"""A session: refuse what is not one interactive session with a pty, else start the app in a forked
child on its own pty and bridge that pty to the SSH channel, ending one with the other."""

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
from typing import Any

import asyncssh

from domain.errors import SkillHubError
from domain.services.auth import Session
from tui.ssh.child import encode_session
from tui.ssh.connection import Connection, Gate
from tui.ssh.forkserver import Child
from tui.ssh.policy import (
    LOGIN_REFUSED,
    REFUSE_COMMAND,
    REFUSE_NO_PTY,
    REFUSE_SCP,
    REFUSE_SECOND,
    REFUSE_SUBSYSTEM,
    UNAVAILABLE,
)

log = logging.getLogger("skillhub.ssh")


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
    ends: set[asyncio.Future[Any]] = {child.exited, closed}
    try:
        await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
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
