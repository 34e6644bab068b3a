"""The fork server: a process that has imported SkillHub once and forks one child per SSH session.

Why a separate process: the SSH server runs an event loop, a thread pool and pymongo's
monitor threads, and forking a process with threads is unsafe. This one imports the
application (Python, Textual, SQLAlchemy, pymongo, every screen), resolves the database
endpoints, then only waits on its control socket: no thread, no connection. A fork of it
starts an app without paying the imports again, and shares their memory pages.

Textual reads its settings (`textual.constants`: ESCDELAY, TEXTUAL_*) when it is first
imported, i.e. here, from the environment `skillhub ssh serve` was started with; the
client's own variables (TERM, COLORTERM, LANG, LC_*) only matter at run time and are set
in each child (see child.py).

Protocol on the control socket (SOCK_SEQPACKET, one JSON object per message):
    server → fork server  {"op": "spawn", "id": N, "term": …, "env": {…}, "label": …}
                          with two fds attached: the pty's slave end and the session pipe
                          {"op": "signal", "id": N, "signal": 15}
    fork server → server  {"op": "ready", "pid": P}, {"op": "started", "id": N, "pid": P},
                          {"op": "exited", "id": N, "status": S}, {"op": "failed", "id": N, "error": …}
The server closing the socket (or dying) makes the fork server end every child and exit.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import ctypes
import errno
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("skillhub.ssh")

MAX_MESSAGE = 64 * 1024
READY_TIMEOUT_S = 120.0
# How long children get to restore their client's terminal before being killed.
STOP_GRACE_S = 3.0
PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send `sig` to this process when its parent dies (no orphans); elsewhere, a no-op."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def send_message(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    payload = json.dumps(message).encode()
    if fds:
        sock.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        sock.send(payload)


def receive_message(sock: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    """One message and the fds that came with it; (None, []) when the other side has gone."""
    fds = array.array("i")
    data, ancillary, _flags, _addr = sock.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(8 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    if not data:
        for fd in fds:
            os.close(fd)
        return None, []
    return json.loads(data), list(fds)


# -- the server's side ----------------------------------------------------------------------


@dataclass
class Child:
    """One session's app process, as the server follows it."""

    id: int
    started: asyncio.Future[int]
    exited: asyncio.Future[int]
    pid: int | None = None


@dataclass
class ForkServer:
    """Starts the fork server process and asks it for children (asyncio, in the SSH server)."""

    process: subprocess.Popen[bytes]
    sock: socket.socket
    children: dict[int, Child] = field(default_factory=dict)
    ready: asyncio.Future[dict[str, Any]] | None = None
    _next_id: int = 1
    _closed: bool = False

    @classmethod
    async def start(cls) -> ForkServer:
        """Start it (with this process's environment) and wait until it has imported the application."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = subprocess.Popen(
            [sys.executable, "-m", "tui.ssh.forkserver", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
        )
        theirs.close()
        ours.setblocking(False)
        server = cls(process, ours)
        loop = asyncio.get_running_loop()
        server.ready = loop.create_future()
        loop.add_reader(ours.fileno(), server._readable)
        try:
            await asyncio.wait_for(server.ready, READY_TIMEOUT_S)
        except (TimeoutError, ConnectionError):
            await server.stop()
            raise RuntimeError("the SSH fork server did not start (see the messages above)") from None
        return server

    def _readable(self) -> None:
        while True:
            try:
                message, fds = receive_message(self.sock)
            except BlockingIOError:
                return
            except OSError:
                message, fds = None, []
            for fd in fds:
                os.close(fd)
            if message is None:
                self._lost()
                return
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "ready":
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(message)
            return
        child = self.children.get(int(message.get("id", 0)))
        if child is None:
            return
        if op == "started":
            child.pid = int(message["pid"])
            if not child.started.done():
                child.started.set_result(child.pid)
        elif op == "exited":
            self.children.pop(child.id, None)
            if not child.started.done():
                child.started.set_exception(RuntimeError("the session's process ended before it started"))
            if not child.exited.done():
                child.exited.set_result(int(message["status"]))
        elif op == "failed":
            self.children.pop(child.id, None)
            error = RuntimeError(str(message.get("error", "fork failed")))
            for future in (child.started, child.exited):
                if not future.done():
                    future.set_exception(error)

    def _lost(self) -> None:
        """The fork server has gone: every child it had is gone with it (they die with it)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(ConnectionError("fork server gone"))
        for child in list(self.children.values()):
            for future in (child.started, child.exited):
                if not future.done():
                    future.set_exception(ConnectionError("the SSH fork server has stopped"))
        self.children.clear()

    @property
    def alive(self) -> bool:
        return not self._closed and self.process.poll() is None

    async def spawn(self, request: dict[str, Any], slave_fd: int, session_fd: int) -> Child:
        """Fork a child for one session; the fds are duplicated into it (the caller closes its own)."""
        if not self.alive:
            raise ConnectionError("the SSH fork server has stopped")
        loop = asyncio.get_running_loop()
        child = Child(self._next_id, loop.create_future(), loop.create_future())
        self._next_id += 1
        self.children[child.id] = child
        send_message(self.sock, {"op": "spawn", "id": child.id, **request}, [slave_fd, session_fd])
        await child.started
        return child

    def signal(self, child: Child, sig: int) -> None:
        """Signal a child the fork server has not yet reaped (so never a recycled pid)."""
        if self.alive and not child.exited.done():
            with contextlib.suppress(OSError):
                send_message(self.sock, {"op": "signal", "id": child.id, "signal": int(sig)})

    async def stop(self) -> None:
        """End every child (they restore their client's terminal first), then the fork server itself."""
        if not self._closed:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + STOP_GRACE_S + 5
        while self.process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._lost()
        self.sock.close()


# -- the fork server's side ---------------------------------------------------------------------


def preload() -> dict[str, Any]:
    """Import what every session needs and resolve the endpoints once; return the context children get."""
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    import gc

    import psycopg2  # noqa: F401
    import sqlalchemy.dialects.postgresql.psycopg2  # noqa: F401
    import textual.drivers.linux_driver  # noqa: F401

    import tui.app  # noqa: F401  (textual, rich, every screen, controller and domain service)
    import tui.ssh.child  # noqa: F401
    import tui.terminal  # noqa: F401
    from domain.config import load_settings
    from domain.infrastructure.connections import resolve_endpoints

    settings = load_settings()
    endpoints = resolve_endpoints(settings, start_embedded=False)
    # What the imports left is never freed: keep the collector off those pages, so forked
    # children share them instead of copying them on the first collection.
    gc.collect()
    gc.freeze()
    return {"settings": settings, "endpoints": endpoints}


def serve(control_fd: int) -> int:
    """The fork server's loop (single-threaded): spawn, signal, reap, report."""
    die_with_parent(signal.SIGTERM)
    control = socket.socket(fileno=control_fd)
    try:
        context = preload()
        # Into the log file, like every skillhub process; warnings also to the server's stderr.
        from domain.infrastructure.logfile import configure_logging

        context["logs"] = configure_logging(context["settings"].logs_dir, terminal=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - told to the server, which prints it as one line
        print(f"skillhub: the SSH fork server cannot start: {exc}", file=sys.stderr)
        return 1
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_blocking(wake_r, False)
    signal.set_wakeup_fd(wake_w)
    stopping: list[bool] = []
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c on the server's terminal: the server decides
    send_message(control, {"op": "ready", "pid": os.getpid()})
    children: dict[int, int] = {}  # session id → pid
    by_pid: dict[int, int] = {}

    def report(session_id: int, status: int) -> None:
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            send_message(control, {"op": "exited", "id": session_id, "status": code if code >= 0 else 128 - code})

    def reap() -> None:
        while by_pid:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            session_id = by_pid.pop(pid, None)
            if session_id is not None:
                children.pop(session_id, None)
                report(session_id, status)

    while not stopping:
        try:
            readable, _, _ = select.select([control.fileno(), wake_r], [], [], 5.0)
        except InterruptedError:
            continue
        if wake_r in readable:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_r, 4096)
        reap()
        if control.fileno() not in readable:
            continue
        try:
            message, fds = receive_message(control)
        except OSError:
            message, fds = None, []
        if message is None:
            break
        if message.get("op") == "spawn" and len(fds) == 2:
            session_id = int(message["id"])
            try:
                pid = os.fork()
            except OSError as exc:
                send_message(control, {"op": "failed", "id": session_id, "error": str(exc)})
                pid = -1
            if pid == 0:
                _become_child(message, fds, context, [control.fileno(), wake_r, wake_w])
            if pid > 0:
                children[session_id] = pid
                by_pid[pid] = session_id
                send_message(control, {"op": "started", "id": session_id, "pid": pid})
        elif message.get("op") == "signal":
            target = children.get(int(message.get("id", 0)))
            if target is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(target, int(message.get("signal", signal.SIGTERM)))
        for fd in fds:
            os.close(fd)
    _end_children(by_pid, report)
    return 0


def _end_children(by_pid: dict[int, int], report: Callable[[int, int], None]) -> None:
    """SIGTERM (the apps restore their terminals), then SIGKILL whatever is left; reap and report all."""
    for pid in by_pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while by_pid and time.monotonic() < deadline:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            by_pid.clear()
            break
        if pid:
            report(by_pid.pop(pid, 0), status)
        else:
            time.sleep(0.02)
    for pid, session_id in list(by_pid.items()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            report(session_id, os.waitpid(pid, 0)[1])


def _become_child(message: dict[str, Any], fds: list[int], context: dict[str, Any], close: list[int]) -> None:
    """In the forked child: drop the fork server's plumbing and run the session; never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        for fd in close:
            with contextlib.suppress(OSError):
                os.close(fd)
        # The fork server gone, the session must not outlive it: SIGTERM lets the app restore the terminal.
        die_with_parent(signal.SIGTERM)
        from tui.ssh.child import run_session

        code = run_session(message, fds[0], fds[1], context)
    except BaseException:  # noqa: BLE001 - nothing may unwind into the fork server's loop
        with contextlib.suppress(Exception):
            log.exception("SSH session %s failed", message.get("label", "?"))
    finally:
        os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m tui.ssh.forkserver CONTROL_FD (started by 'skillhub ssh serve')", file=sys.stderr)
        return 2
    try:
        return serve(int(args[0]))
    except OSError as exc:
        if exc.errno in (errno.EPIPE, errno.ECONNRESET):
            return 0
        raise


if __name__ == "__main__":
    sys.exit(main())

