"""`skillhub embedded status | start | stop`: the embedded PostgreSQL and MongoDB wire servers."""

from __future__ import annotations

import argparse

from domain.config import Settings
from tui.cli.exit_codes import EXIT_OK
from tui.cli.parser import Subcommands, add_command


def cmd_embedded(settings: Settings, args: argparse.Namespace) -> int:
    from domain.infrastructure.embedded import EmbeddedServers

    servers = EmbeddedServers(settings.data_dir)
    if args.action == "start":
        servers.ensure_started(need_postgres=settings.database_url is None, need_mongo=settings.mongo_url is None)
        args.action = "status"
    if args.action == "status":
        if not settings.embedded:
            print("DATABASE_URL and MONGO_URL are set: no embedded server is used.")
        for status in servers.status():
            state = f"running, pid {status.pid}, 127.0.0.1:{status.port}" if status.running else "stopped"
            print(f"{status.name}: {state}  (data: {status.data_path})")
        return EXIT_OK
    for name, was_running in servers.stop():
        print(f"{name}: {'stopped' if was_running else 'was not running'}")
    return EXIT_OK


def register(subparsers: Subcommands) -> None:
    """Add `embedded` to the `skillhub` command."""
    embedded = add_command(
        subparsers, "embedded", "the embedded PostgreSQL and MongoDB wire servers",
        details="They live in SKILLHUB_DATA_DIR and keep running between commands; stop them when done.",
        examples=["skillhub embedded status", "SKILLHUB_DATA_DIR=/tmp/try skillhub embedded stop"],
        handler=cmd_embedded,
    )
    embedded.add_argument("action", choices=["status", "start", "stop"])
