"""The exit statuses of `skillhub`, in one place (scripts, cron jobs and health checks act on them)."""

from __future__ import annotations

EXIT_OK = 0
# Anything a person can cause or meet that is not a usage error: refused input, a database that
# does not answer, a restore that was cancelled, an unexpected error (logged with its id).
EXIT_ERROR = 1
# Configuration and usage errors: a bad argument, a missing or invalid setting.
EXIT_USAGE = 2
# `doctor` (and `dumps load`, which ends with its check): drift left between PostgreSQL and MongoDB.
EXIT_DRIFT = 1
# Interrupted by ctrl+c, as shells report a SIGINT (128 + 2).
EXIT_INTERRUPTED = 130
