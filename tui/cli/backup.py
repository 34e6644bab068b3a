"""`skillhub backup [--verify ARCHIVE | --list]` and `skillhub restore ARCHIVE [--yes]`.

CLI glue only: the work is in `domain.services.backup`. Progress goes to stderr (a bar on
a terminal, one line per stage otherwise), results to stdout, errors as one line through
`tui.cli.main`. The services are imported when a command runs, not to build the parser.
"""

from __future__ import annotations

import argparse
import os
import pwd
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from domain.config import Settings
from domain.errors import ArchiveError, RestoreCancelled
from domain.models.users import SYSTEM
from tui.cli.exit_codes import EXIT_ERROR, EXIT_OK
from tui.cli.output import print_lines
from tui.cli.parser import Subcommands, add_command

# Imported by the backup commands when they run: `skillhub` builds this parser before the TUI's first frame.
if TYPE_CHECKING:
    from domain.infrastructure.archive_manifest import Manifest
    from domain.services.backup_reports import Progress

BAR_WIDTH = 24


class TextProgress:
    """A progress callback: a redrawn bar on a terminal, a line per stage in a log."""

    def __init__(self, stream: TextIO = sys.stderr, enabled: bool = True) -> None:
        self._stream = stream
        self._enabled = enabled
        self._tty = stream.isatty()
        self._last: tuple[int, str, int] | None = None

    def __call__(self, progress: Progress) -> None:
        if not self._enabled:
            return
        percent = int(progress.fraction * 100)
        key = (progress.step, progress.stage, percent)
        if key == self._last:
            return
        new_line = self._last is None or self._last[:2] != key[:2]
        if self._tty:
            filled = int(progress.fraction * BAR_WIDTH)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            label = f"[{progress.step}/{progress.steps}] {progress.stage}"[:44]
            prefix = "\n" if new_line and self._last is not None and self._last[0] != progress.step else "\r"
            self._stream.write(f"{prefix}{label:<44} [{bar}] {percent:3d}%")
            if progress.step == progress.steps and percent == 100:
                self._stream.write("\n")
        elif new_line:
            self._stream.write(f"[{progress.step}/{progress.steps}] {progress.stage}\n")
        self._stream.flush()
        self._last = key


def os_user() -> str:
    """The operating-system account running the command: the activity log records it next to
    the SYSTEM actor, which says only that the change came from the command line."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid {os.getuid()}"


def _locate(settings: Settings, archive: Path) -> Path:
    """An archive path as given, or a bare name looked up in SKILLHUB_BACKUP_DIR."""
    from domain.services.backup import archive_path

    archive = archive_path(archive)
    if not archive.exists() and archive.name == str(archive):
        candidate = settings.backup_dir / archive
        if candidate.exists():
            return candidate
    return archive.expanduser().resolve()


def _summary(manifest: Manifest) -> str:
    return (
        f"taken {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC by SkillHub {manifest.skillhub_version}, "
        f"Alembic {manifest.alembic_revision or 'none'}; PostgreSQL {manifest.postgres_version}: "
        f"{len(manifest.tables)} tables, {manifest.total_rows} rows; MongoDB {manifest.mongo_version}: "
        f"{len(manifest.collections)} collections, {manifest.total_documents} documents"
    )


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    progress = TextProgress(enabled=not args.quiet)
    if args.verify is not None:
        from domain.services.backup import verify_archive

        # No service is built: verifying must not start, reach or touch any database.
        # A bar on a terminal only: in a log, the outcome is the one line printed below.
        path = _locate(settings, args.verify)
        manifest = verify_archive(path, TextProgress(enabled=not args.quiet and sys.stderr.isatty()))
        print(f"OK {path.name}: {len(manifest.files) + 1} files match the manifest ({_summary(manifest)})")
        return EXIT_OK
    from tui.cli.wiring import open_services

    with open_services(settings) as services:
        backups = services.backups
        if args.list:
            from domain.services.backup_reports import human_size

            infos = backups.archives(SYSTEM)
            if not infos:
                print(f"No backup in {backups.directory}.")
            for info in infos:
                detail = _summary(info.manifest) if info.manifest is not None else f"UNREADABLE: {info.error}"
                print(f"{info.path.name}  {human_size(info.size)}  {detail}")
            return EXIT_OK
        print_lines(backups.create(SYSTEM, progress, os_user=os_user()).lines())
    return EXIT_OK


def _confirm(archive: Path, mongo_database: str) -> Callable[[Manifest], bool]:
    def ask(manifest: Manifest) -> bool:
        print(f"{archive.name}: {_summary(manifest)}", file=sys.stderr)
        print(
            f"This REPLACES all data in PostgreSQL database {manifest.postgres_database!r} and MongoDB database "
            f"{mongo_database!r}. Type the archive name ({archive.name}) to go on: ",
            end="", file=sys.stderr, flush=True,
        )
        answer = sys.stdin.readline()
        if not sys.stdin.isatty():
            print(file=sys.stderr)
        return answer.strip() == archive.name

    return ask


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    path = _locate(settings, args.archive)
    if not path.is_file():
        # Said before any server is started or reached.
        raise ArchiveError(f"no backup archive at {path}")
    from tui.cli.wiring import connected

    with connected(settings) as skillhub:
        confirm = None if args.yes else _confirm(path, skillhub.resources.db.name)
        try:
            report = skillhub.services.backups.restore(SYSTEM, path, confirm=confirm,
                                                       progress=TextProgress(enabled=not args.quiet),
                                                       os_user=os_user())
        except RestoreCancelled as exc:
            print(f"skillhub: {exc.message}", file=sys.stderr)
            return EXIT_ERROR
        print_lines(report.lines())
        return EXIT_OK if report.ok else EXIT_ERROR


def register(subparsers: Subcommands) -> None:
    """Add `backup` and `restore` to the `skillhub` command."""
    backup = add_command(
        subparsers, "backup", "back up PostgreSQL and MongoDB into one archive in SKILLHUB_BACKUP_DIR",
        details="Write skillhub-<UTC time>.tar.gz (pg_dump + every MongoDB collection + manifest) and keep "
                "the newest SKILLHUB_BACKUP_KEEP archives.",
        examples=["skillhub backup", "skillhub backup --list",
                  "skillhub backup --verify skillhub-20261122T033156Z.tar.gz"],
        handler=cmd_backup,
    )
    what = backup.add_mutually_exclusive_group()
    what.add_argument("--verify", metavar="ARCHIVE", type=Path,
                      help="check ARCHIVE against its manifest (files, sizes, SHA-256) without touching any database")
    what.add_argument("--list", action="store_true", help="list the archives of SKILLHUB_BACKUP_DIR, newest first")
    backup.add_argument("--quiet", action="store_true", help="no progress output")

    restore = add_command(
        subparsers, "restore", "replace all data with an archive's (verified first)",
        details="Verify ARCHIVE, ask to type its name (unless --yes), restore PostgreSQL in one transaction "
                "and MongoDB collection by collection, then check the counts and the drift.",
        examples=["skillhub restore skillhub-20261122T033156Z.tar.gz",
                  "skillhub restore /mnt/backups/skillhub-20261122T033156Z.tar.gz --yes --quiet"],
        handler=cmd_restore,
    )
    restore.add_argument("archive", metavar="ARCHIVE", type=Path,
                         help="the archive (a path, or a name in SKILLHUB_BACKUP_DIR)")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.add_argument("--quiet", action="store_true", help="no progress output")
