#!/bin/sh
# Restore PostgreSQL and MongoDB from a backup archive (verified first; asks to type the
# archive's name unless --yes). Runs in the Compose stack when it is up, else from .venv.
set -eu

usage() {
    echo "usage: $(basename "$0") ARCHIVE [--yes] [--quiet]" >&2
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "" | -*) usage; exit 2 ;;
esac
archive=$1
shift
for option in "$@"; do
    case "$option" in
        --yes | --quiet) ;;
        *) usage; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")" && pwd)
. "$ROOT/scripts/skillhub-run.sh"

if [ "$MODE" = compose ] && [ -f "$archive" ]; then
    # The container sees ./backups as /backups: bring the archive there first.
    mkdir -p "$ROOT/backups"
    case "$(cd "$(dirname "$archive")" && pwd)" in
        "$ROOT/backups") ;;
        *) cp "$archive" "$ROOT/backups/" ;;
    esac
    archive="/backups/$(basename "$archive")"
fi

run_skillhub restore "$archive" "$@"
