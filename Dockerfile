# SkillHub in a container: the `skillhub` command (TUI and CLI) with the PostgreSQL client
# tools that `skillhub backup` / `restore` need, matching the Compose server's major (17).
# Debian 13 (trixie) ships postgresql-client-17 itself, so no third-party apt repository.
FROM python:3.12-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client-17 \
    && rm -rf /var/lib/apt/lists/*

# UID 1000 by default so that ./backups, bind-mounted at /backups, belongs to the usual
# first user of the host; pass --build-arg APP_UID=$(id -u) to match another.
ARG APP_UID=1000
RUN useradd --create-home --uid "${APP_UID}" --shell /usr/sbin/nologin skillhub \
    && mkdir -p /backups /var/lib/skillhub \
    && chown skillhub:skillhub /backups /var/lib/skillhub

WORKDIR /app
COPY . /app
RUN pip install /app

USER skillhub
ENV SKILLHUB_DATA_DIR=/var/lib/skillhub \
    SKILLHUB_BACKUP_DIR=/backups \
    TERM=xterm-256color

# `skillhub ssh serve --host 0.0.0.0 --port 2222` (the Compose "ssh" service).
EXPOSE 2222
ENTRYPOINT ["skillhub"]
CMD ["run"]
