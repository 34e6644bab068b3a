"""`skillhub ssh serve | fingerprint | add-key | keys | remove-key`.

CLI glue only: the server is in `tui.ssh`, the key rules in `domain.services.ssh_keys`, both
imported when a command runs. Errors print one line through `tui.cli.main`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from domain.config import Settings
from domain.errors import ConfigError, SkillHubError
from domain.models.users import SYSTEM, User
from tui.cli.exit_codes import EXIT_ERROR, EXIT_OK
from tui.cli.parser import Subcommands, add_actions, add_command

if TYPE_CHECKING:
    import asyncssh

    from domain.services.container import Services
    from tui.ssh.policy import Limits
    from tui.ssh.server import RunningServer

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2222


def _port(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the port must be a whole number, got {raw!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"the port must be between 0 and 65535, got {value}")
    return value


def cmd_fingerprint(settings: Settings, args: argparse.Namespace) -> int:
    from tui.ssh.hostkey import host_key_fingerprint, host_key_path, load_or_create_host_key

    key = load_or_create_host_key(settings.data_dir)
    print(host_key_fingerprint(key))
    print(f"(key file: {host_key_path(settings.data_dir)})", file=sys.stderr)
    return EXIT_OK


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    # The same preparation as `skillhub run`: servers started if embedded, schema migrated, outbox replayed.
    from tui.cli.wiring import prepare
    from tui.ssh.hostkey import host_key_fingerprint, load_or_create_host_key
    from tui.ssh.policy import Limits

    key = load_or_create_host_key(settings.data_dir)
    skillhub = prepare(settings, quiet=True)
    try:
        return asyncio.run(_serve(skillhub.services, key, args.host, args.port, Limits.from_settings(settings),
                                  host_key_fingerprint(key)))
    finally:
        skillhub.close()


async def _serve(services: Services, key: asyncssh.SSHKey, host: str, port: int, limits: Limits,
                 fingerprint: str) -> int:
    from tui.ssh.server import start_server

    # asyncssh 2.24 leaves one coroutine of its own un-awaited when a session's channel closes after its
    # process has exited; the warning it prints at exit says nothing an operator can act on.
    warnings.filterwarnings("ignore", message="coroutine 'Event.wait' was never awaited", category=RuntimeWarning)

    try:
        running = await start_server(services, key, host, port, limits)
    except OSError as exc:
        reason = exc.strerror or str(exc).rsplit(": ", 1)[-1]
        raise SkillHubError(f"cannot listen on {host}:{port}: {reason}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    print(f"SkillHub SSH server listening on {running.host}:{running.port}", flush=True)
    print(f"Host key: {fingerprint}")
    for line in limits.lines():
        print(f"Limits: {line}")
    print(f"Connect with: ssh -p {running.port} EMAIL@{running.host}   (stop with ctrl+c)", flush=True)
    watch = asyncio.ensure_future(_watch_fork_server(running, stop))
    await stop.wait()
    watch.cancel()
    print("Stopping: ending every session…", flush=True)
    await running.stop()
    print("SkillHub SSH server stopped.", flush=True)
    # Stopped because the fork server died: not a clean stop.
    return EXIT_ERROR if watch.done() and not watch.cancelled() else EXIT_OK


async def _watch_fork_server(running: RunningServer, stop: asyncio.Event) -> None:
    """A fork server that dies leaves no way to start sessions: stop the whole server, loudly."""
    while running.gate.forks.alive:
        await asyncio.sleep(1)
    print("skillhub: the SSH fork server has stopped; stopping the SSH server", file=sys.stderr, flush=True)
    stop.set()


def _read_key_text(source: str) -> str:
    from domain.security.ssh_keys import MAX_KEY_TEXT

    if source == "-":
        return sys.stdin.read(MAX_KEY_TEXT + 1)
    path = Path(source).expanduser()
    if not path.is_file():
        raise ConfigError(f"no file {path}")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_KEY_TEXT + 1)
    except OSError as exc:
        raise SkillHubError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SkillHubError(f"{path} is not text: give the .pub file, e.g. ~/.ssh/id_ed25519.pub") from None


def _with_owner(settings: Settings, email: str, act: Callable[[Services, User], None]) -> int:
    """Run `act` on the account `email` names (the shell acts as SYSTEM, like `skillhub user create`)."""
    from tui.cli.wiring import open_services

    with open_services(settings) as services:
        act(services, services.ssh_keys.owner_by_email(SYSTEM, email))
    return EXIT_OK


def cmd_add_key(settings: Settings, args: argparse.Namespace) -> int:
    text = _read_key_text(args.file)

    def add(services: Services, owner: User) -> None:
        key = services.ssh_keys.add(SYSTEM, owner.id, text)
        comment = f" ({key.comment})" if key.comment else ""
        print(f"Added {key.algorithm} key {key.fingerprint}{comment} for {owner.email}.")

    return _with_owner(settings, args.email, add)


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    def show(services: Services, owner: User) -> None:
        keys = services.ssh_keys.list(SYSTEM, owner.id)
        if not keys:
            print(f"{owner.email} has no SSH key.")
        for key in keys:
            used = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never used"
            print(f"{key.bits} {key.fingerprint} {key.comment or '-'} ({key.algorithm}, added "
                  f"{key.created_at:%Y-%m-%d}, {used})")

    return _with_owner(settings, args.email, show)


def cmd_remove_key(settings: Settings, args: argparse.Namespace) -> int:
    def remove(services: Services, owner: User) -> None:
        key = services.ssh_keys.remove(SYSTEM, owner.id, args.fingerprint)
        print(f"Removed {key.algorithm} key {key.fingerprint} of {owner.email}.")

    return _with_owner(settings, args.email, remove)


def register(subparsers: Subcommands) -> None:
    """Add `ssh` to the `skillhub` command."""
    ssh = add_command(subparsers, "ssh", "the built-in SSH server, and the SSH keys people log in with",
                      examples=["skillhub ssh serve --host 0.0.0.0 --port 2222",
                                "skillhub ssh add-key ada@example.org ~/.ssh/id_ed25519.pub"])
    sub = add_actions(ssh, "ssh_command")

    serve = add_command(
        sub, "serve", "run the SSH server: people 'ssh -p PORT EMAIL@HOST' straight into SkillHub",
        details="Each connection logs in with a SkillHub account (password or registered key) and gets its "
                "own app on Home. Stops on ctrl+c or SIGTERM, ending every session.",
        examples=["skillhub ssh serve", "skillhub ssh serve --host 0.0.0.0 --port 22"], handler=cmd_serve,
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")

    add_command(sub, "fingerprint", "print the server's host key fingerprint (made if missing)",
                examples=["skillhub ssh fingerprint"], handler=cmd_fingerprint)

    add = add_command(sub, "add-key", "register an OpenSSH public key (ed25519, ECDSA, RSA >= 3072 bits)",
                      examples=["skillhub ssh add-key ada@example.org ~/.ssh/id_ed25519.pub",
                                "ssh-add -L | head -1 | skillhub ssh add-key ada@example.org -"],
                      handler=cmd_add_key)
    add.add_argument("email")
    add.add_argument("file", metavar="FILE", help="the .pub file, or - to read the key from stdin")

    keys = add_command(sub, "keys", "list a person's SSH keys", examples=["skillhub ssh keys ada@example.org"],
                       handler=cmd_keys)
    keys.add_argument("email")

    remove = add_command(sub, "remove-key", "remove one of a person's SSH keys",
                         examples=["skillhub ssh remove-key ada@example.org SHA256:..."], handler=cmd_remove_key)
    remove.add_argument("email")
    remove.add_argument("fingerprint", metavar="FINGERPRINT", help="SHA256:… as 'skillhub ssh keys' prints it")
