#!/bin/sh
# Back up PostgreSQL and MongoDB into one archive in SKILLHUB_BACKUP_DIR (./backups in Compose),
# or check an archive. Runs in the Compose stack when it is up, else from .venv.
set -eu

usage() {
    echo "usage: $(basename "$0") [--verify ARCHIVE | --list] [--quiet]" >&2
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "" | --verify | --list | --quiet) ;;
    *) usage; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")" && pwd)
. "$ROOT/scripts/skillhub-run.sh"

if [ "$MODE" = compose ]; then
    # The app container writes to /backups, bind-mounted from ./backups: create it as this user.
    mkdir -p "$ROOT/backups"
    if [ "${1:-}" = --verify ] && [ $# -ge 2 ] && [ -f "$2" ]; then
        archive=$2
        shift 2
        case "$(cd "$(dirname "$archive")" && pwd)" in
            "$ROOT/backups") ;;
            *) cp "$archive" "$ROOT/backups/" ;;
        esac
        set -- --verify "/backups/$(basename "$archive")" "$@"
    fi
fi

run_skillhub backup "$@"
