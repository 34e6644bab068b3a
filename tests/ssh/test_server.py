"""`skillhub ssh serve` with a real SSH client (asyncssh's) against the real test databases."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from pathlib import Path

from collections.abc import Callable

import asyncssh
import pytest

from domain.models.users import Principal, Role
from domain.services.container import Services
from tests.conftest import TEST_PASSWORD, make_user
from tests.ssh.conftest import (
    MAX_SESSIONS_PER_USER,
    Screen,
    SshServer,
    alive,
    children_of,
    connect,
    fork_server_of,
    open_app,
    wait_until,
)
from tests.ssh.keys import key_pair, pub_line
from tui.ssh.policy import (
    REFUSE_AGENT,
    REFUSE_COMMAND,
    REFUSE_FORWARDING,
    REFUSE_NO_PTY,
    REFUSE_SCP,
    REFUSE_TOO_MANY_USER,
)

WRONG = "not the right password"
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"


def events(services: Services, email: str) -> list[dict[str, object]]:
    return list(services.db["auth_events"].find({"email": email}, {"_id": 0}).sort("at", 1))


async def test_password_login_lands_on_home_and_ctrl_q_ends_with_status_0(ssh_server: SshServer, services: Services,
                                                                        admin: Principal) -> None:
    async with await connect(ssh_server.port, admin.email.upper(), TEST_PASSWORD) as conn:
        screen = await open_app(conn, env={"LANG": "C.UTF-8", "SKILLHUB_SECRET_KEY": "x" * 40})
        await screen.wait_for("Home")
        await screen.wait_for(f"<{admin.email}>")
        screen.process.stdin.write(b"\x11")  # ctrl+q
        status = await screen.until_closed()
    assert status == 0
    # The client's terminal is given back: the app left the alternate screen before the session closed.
    assert LEAVE_ALTERNATE_SCREEN in screen.data
    assert [(e["outcome"], e["source"]) for e in events(services, admin.email)] == [
        ("success", "ssh"), ("logout", "ssh")]


async def test_key_login_lands_on_home_and_is_recorded(ssh_server: SshServer, services: Services,
                                                       learner: Principal) -> None:
    key = key_pair("ecdsa-sha2-nistp256")
    services.ssh_keys.add(learner, learner.user_id, pub_line(key))
    other = key_pair()  # offered first, as an agent would: refused, then the registered one is tried
    async with await asyncio.wait_for(asyncssh.connect(
        "127.0.0.1", ssh_server.port, username=learner.email, client_keys=[other, key], known_hosts=None,
        agent_path=None, preferred_auth="publickey"), 60) as conn:
        screen = await open_app(conn)
        await screen.wait_for(f"<{learner.email}>")
        screen.process.stdin.write(b"\x0c")  # ctrl+l: log out, which ends an SSH session
        assert await screen.until_closed() == 0
    assert b"You have logged out." in screen.data
    recorded = events(services, learner.email)
    assert [(e["outcome"], e.get("method")) for e in recorded] == [("success", "publickey"), ("logout", None)]
    assert services.ssh_keys.list(learner, learner.user_id)[0].last_used_at is not None


async def test_three_wrong_passwords_disconnect_and_count_toward_the_lockout(ssh_server: SshServer,
                                                                            services: Services,
                                                                            trainer: Principal) -> None:
    tried: list[str] = []

    class Guesser(asyncssh.SSHClient):
        def password_auth_requested(self) -> str:
            tried.append(WRONG)
            return WRONG

    with pytest.raises(asyncssh.DisconnectError, match="Too many authentication failures"):
        await asyncio.wait_for(asyncssh.connect(
            "127.0.0.1", ssh_server.port, username=trainer.email, client_factory=Guesser, known_hosts=None,
            client_keys=None, agent_path=None), 60)
    assert len(tried) == 3
    assert [(e["outcome"], e["source"]) for e in events(services, trainer.email)] == [("bad_credentials", "ssh")] * 3

    # Two more failures make five: the account is locked, for the login screen as over SSH.
    for _ in range(2):
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(ssh_server.port, trainer.email, WRONG)
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(ssh_server.port, trainer.email, TEST_PASSWORD)
    assert events(services, trainer.email)[-1]["outcome"] == "locked"


async def test_inactive_and_locked_accounts_are_refused_whatever_the_method(ssh_server: SshServer,
                                                                          services: Services, admin: Principal,
                                                                          learner: Principal) -> None:
    key = key_pair()
    services.ssh_keys.add(admin, learner.user_id, pub_line(key))
    services.users.set_active(admin, learner.user_id, False)
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(ssh_server.port, learner.email, TEST_PASSWORD)
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(ssh_server.port, learner.email, key=key)

    services.users.set_active(admin, learner.user_id, True)
    for _ in range(5):
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(ssh_server.port, learner.email, WRONG)
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(ssh_server.port, learner.email, key=key)
    outcomes = [(e["outcome"], e.get("method", "password")) for e in events(services, learner.email)]
    assert ("inactive", "password") in outcomes and ("inactive", "publickey") in outcomes
    assert outcomes[-1] == ("locked", "publickey")
    assert not any(outcome == "success" for outcome, _ in outcomes)


async def test_commands_subsystems_scp_sessions_without_a_pty_and_forwarding_are_refused(
        ssh_server: SshServer, services: Services, trainer: Principal) -> None:
    async with await connect(ssh_server.port, trainer.email, TEST_PASSWORD) as conn:
        result = await conn.run("ls -la /", check=False)
        assert (result.exit_status, result.stderr) == (1, f"skillhub: {REFUSE_COMMAND}\n")
        result = await conn.run("scp -t /tmp", check=False)
        assert (result.exit_status, result.stderr) == (1, f"skillhub: {REFUSE_SCP}\n")
        result = await conn.run(check=False)  # a shell, without a pty
        assert (result.exit_status, result.stderr) == (1, f"skillhub: {REFUSE_NO_PTY}\n")
        with pytest.raises((asyncssh.SFTPError, asyncssh.ChannelOpenError, asyncssh.ProcessError, OSError)):
            async with conn.start_sftp_client():
                pass
        with pytest.raises(asyncssh.ChannelOpenError, match=REFUSE_FORWARDING):
            await conn.open_connection("127.0.0.1", ssh_server.port)
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)
        # The connection is still fine for what SkillHub does offer.
        screen = await open_app(conn)
        await screen.wait_for(f"<{trainer.email}>")
        screen.process.stdin.write(b"\x11")
        assert await screen.until_closed() == 0


async def test_agent_forwarding_is_refused_and_said_before_the_app_starts(ssh_server: SshServer,
                                                                         services: Services,
                                                                         trainer: Principal) -> None:
    conn = await asyncio.wait_for(asyncssh.connect(
        "127.0.0.1", ssh_server.port, username=trainer.email, password=TEST_PASSWORD, known_hosts=None,
        client_keys=None, agent_path=None, agent_forwarding="/nonexistent/agent.sock"), 60)
    async with conn:
        process = await conn.create_process(term_type="xterm", term_size=(100, 30), encoding=None,
                                            stderr=asyncssh.STDOUT)
        screen = Screen(process)
        await screen.wait_for(f"<{trainer.email}>")
        assert screen.data.startswith(f"skillhub: {REFUSE_AGENT}\r\n".encode())
        process.stdin.write(b"\x11")
        assert await screen.until_closed() == 0


async def test_subsystems_are_refused_sftp_at_the_protocol_and_others_with_a_message(
        ssh_server: SshServer, services: Services, trainer: Principal) -> None:
    async with await connect(ssh_server.port, trainer.email, TEST_PASSWORD) as conn:
        # No SFTP server exists behind asyncssh here: the request itself fails (OpenSSH's sftp then says
        # "subsystem request failed on channel 0").
        with pytest.raises(asyncssh.ChannelOpenError, match="Session request failed"):
            await conn.create_process(subsystem="sftp", encoding=None)
        process = await conn.create_process(subsystem="netconf", encoding=None)
        await process.wait_closed()
        assert process.exit_status == 1
        assert (await process.stderr.read()) == b"skillhub: SkillHub offers no netconf subsystem: no file transfer here.\n"


async def test_a_resize_reaches_the_app(ssh_server: SshServer, services: Services, admin: Principal) -> None:
    async with await connect(ssh_server.port, admin.email, TEST_PASSWORD) as conn:
        screen = await open_app(conn, size=(100, 30))
        await screen.wait_for(f"<{admin.email}>")
        await wait_until_read(screen, lambda: 30 in _footer_rows(screen.data), "the footer on row 30")
        mark = len(screen.data)
        screen.process.change_terminal_size(70, 20)
        # The app redraws for its new size: the footer moves up to row 20.
        await wait_until_read(screen, lambda: 20 in _footer_rows(screen.data[mark:]), "the footer on row 20")
        screen.process.stdin.write(b"\x11")
        assert await screen.until_closed() == 0


def _footer_rows(data: bytes) -> set[int]:
    """The rows the footer's "^q Quit" key was drawn on (the footer is the screen's last row)."""
    return {int(row) for row in re.findall(rb"\x1b\[(\d+);\d+H(?:\x1b\[[0-9;]*m)*\^q", data)}


async def wait_until_read(screen: Screen, check: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + 60
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never saw {what}; last bytes: {screen.data[-300:]!r}")
        with contextlib.suppress(TimeoutError):
            screen.data += await asyncio.wait_for(screen.process.stdout.read(65536), 1)


async def test_five_concurrent_sessions_each_see_their_own_user(ssh_server: SshServer, services: Services) -> None:
    people = [make_user(services, f"person{n}@example.org", Role.LEARNER, f"Person Number{n}") for n in range(5)]

    async def session(person: Principal) -> bytes:
        async with await connect(ssh_server.port, person.email, TEST_PASSWORD) as conn:
            screen = await open_app(conn, size=(100, 30))
            await screen.wait_for(f"{person.full_name} <{person.email}>")
            # Stay open until every session is on Home, so that all five run at once.
            ready.append(person.email)
            await wait_until(lambda: len(ready) == len(people), what="all five sessions on Home")
            screen.process.stdin.write(b"\x11")
            assert await screen.until_closed() == 0
            return screen.data

    ready: list[str] = []
    seen = await asyncio.gather(*(session(p) for p in people))
    for person, data in zip(people, seen, strict=True):
        others = [p.email for p in people if p is not person]
        assert not any(other.encode() in data for other in others)


async def test_sessions_per_person_are_capped(ssh_server: SshServer, services: Services, trainer: Principal) -> None:
    connections = [await connect(ssh_server.port, trainer.email, TEST_PASSWORD)
                   for _ in range(MAX_SESSIONS_PER_USER + 1)]
    try:
        screens = [await open_app(conn) for conn in connections[:MAX_SESSIONS_PER_USER]]
        for screen in screens:
            await screen.wait_for(f"<{trainer.email}>")
        refused = await connections[-1].create_process(term_type="xterm", encoding=None)
        await refused.wait_closed()
        assert refused.exit_status == 1
        message = REFUSE_TOO_MANY_USER.format(count=MAX_SESSIONS_PER_USER)
        assert (await refused.stderr.read()) == f"skillhub: {message}\r\n".encode()
        # A second app on one connection is refused too.
        second = await connections[0].create_process(term_type="xterm", encoding=None)
        await second.wait_closed()
        assert second.exit_status == 1
        for screen in screens:
            screen.process.stdin.write(b"\x11")
            assert await screen.until_closed() == 0
    finally:
        for conn in connections:
            conn.close()


async def test_a_vanished_client_leaves_no_child(ssh_server: SshServer, services: Services,
                                                 admin: Principal) -> None:
    forks = fork_server_of(ssh_server)
    conn = await connect(ssh_server.port, admin.email, TEST_PASSWORD)
    screen = await open_app(conn)
    await screen.wait_for(f"<{admin.email}>")
    apps = children_of(forks)
    assert len(apps) == 1
    # The session token (a JWT: "eyJ…") is in no process's arguments or environment.
    for pid in (ssh_server.pid, forks, apps[0]):
        for name in ("cmdline", "environ"):
            assert b"eyJ" not in Path(f"/proc/{pid}/{name}").read_bytes()
    conn.abort()  # the TCP connection drops, as when a laptop lid closes on a killed client
    # Gone and reaped (a zombie still shows among the fork server's children).
    await wait_until(lambda: children_of(forks) == [], timeout=30, what="the app of the vanished client ended")
    assert not alive(apps[0])


async def test_too_many_connections_logging_in_are_turned_away(ssh_server: SshServer, services: Services,
                                                              admin: Principal) -> None:
    silent = [socket.create_connection(("127.0.0.1", ssh_server.port)) for _ in range(10)]
    try:
        for sock in silent:  # each has reached the server (its banner came back)
            sock.settimeout(30)
            assert sock.recv(64).startswith(b"SSH-2.0-SkillHub")
        with pytest.raises((asyncssh.DisconnectError, ConnectionError)):
            await connect(ssh_server.port, admin.email, TEST_PASSWORD)
    finally:
        for sock in silent:
            sock.close()
    async def logs_in() -> bool:
        try:
            async with await connect(ssh_server.port, admin.email, TEST_PASSWORD):
                return True
        except (asyncssh.DisconnectError, ConnectionError):
            return False
    for _ in range(100):
        if await logs_in():
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("logins stayed refused after the silent connections closed")


def test_a_connection_that_does_not_log_in_within_30_seconds_is_closed(ssh_server: SshServer) -> None:
    with socket.create_connection(("127.0.0.1", ssh_server.port)) as sock:
        sock.settimeout(5)
        assert sock.recv(64).startswith(b"SSH-2.0-SkillHub")
        opened = time.monotonic()
        sock.settimeout(90)
        while sock.recv(4096):
            pass  # the server's key exchange offer, then nothing until it gives up
        assert 29 <= time.monotonic() - opened < 75
