# Sourced by backup.sh and restore.sh (POSIX sh): how to reach the `skillhub` command.
# Inside the running Compose stack when its `app` service is up (the databases are
# there), otherwise the project's virtual environment, otherwise `skillhub` on PATH.

compose_app_running() {
    command -v docker >/dev/null 2>&1 || return 1
    [ -f "$ROOT/docker-compose.yml" ] || return 1
    services=$(cd "$ROOT" && docker compose ps --status running --services 2>/dev/null) || return 1
    printf '%s\n' "$services" | grep -qx app
}

run_skillhub() {
    if [ "$MODE" = compose ]; then
        # -T when not on a terminal: `exec` would otherwise ask for a TTY it cannot get.
        tty_flag=-T
        if [ -t 0 ] && [ -t 1 ]; then tty_flag=; fi
        (cd "$ROOT" && docker compose exec $tty_flag app skillhub "$@")
    else
        "$SKILLHUB" "$@"
    fi
}

if compose_app_running; then
    MODE=compose
elif [ -x "$ROOT/.venv/bin/skillhub" ]; then
    MODE=host
    SKILLHUB="$ROOT/.venv/bin/skillhub"
elif command -v skillhub >/dev/null 2>&1; then
    MODE=host
    SKILLHUB=$(command -v skillhub)
else
    echo "$(basename "$0"): no skillhub command: run 'make install', or start the stack with 'docker compose up -d'" >&2
    exit 1
fi
