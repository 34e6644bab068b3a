"""What an SSH server allows (`Limits`) and the one-line messages it refuses with."""

from __future__ import annotations

from dataclasses import dataclass

from domain.config import Settings


@dataclass(frozen=True)
class Limits:
    """What one server allows; `skillhub ssh serve` prints them when it starts."""

    max_sessions: int = 20
    max_sessions_per_user: int = 3
    # Password tries per connection before the server disconnects (each goes to AuthService).
    max_password_tries: int = 3
    # Public keys a client may offer per connection (an agent may hold several; OpenSSH allows 6 tries).
    max_key_offers: int = 10
    login_timeout_s: float = 30.0
    # Connections that have not finished logging in, at once (like OpenSSH's MaxStartups).
    max_unauthenticated: int = 10
    # bcrypt checks at once: each takes a core for ~0.25 s at cost 12.
    password_workers: int = 2
    # Key and session look-ups (short database queries) at once.
    lookup_workers: int = 4
    # A client that vanishes without closing its connection is noticed after about interval × count.
    keepalive_interval_s: float = 5.0
    keepalive_count_max: int = 3
    # How long a session's app gets to end after its client has gone, before it is killed.
    child_grace_s: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(max_sessions=settings.ssh_max_sessions, max_sessions_per_user=settings.ssh_max_sessions_per_user)

    def lines(self) -> list[str]:
        return [
            f"sessions: {self.max_sessions} at once, {self.max_sessions_per_user} per person "
            "(SKILLHUB_SSH_MAX_SESSIONS, SKILLHUB_SSH_MAX_SESSIONS_PER_USER)",
            f"login: {self.max_password_tries} password tries and {self.max_key_offers} key offers per connection, "
            f"{self.login_timeout_s:g} s to log in, {self.max_unauthenticated} connections logging in at once",
            f"password checks: {self.password_workers} at a time; a silent client is dropped after "
            f"~{self.keepalive_interval_s * self.keepalive_count_max:g} s",
        ]


REFUSE_COMMAND = "SkillHub runs no command over SSH: connect without one (ssh -p PORT EMAIL@HOST)."
REFUSE_SCP = "SkillHub does not copy files (scp): nothing to copy here."
REFUSE_SUBSYSTEM = "SkillHub offers no {name} subsystem: no file transfer here."
REFUSE_NO_PTY = "SkillHub needs a terminal: connect with ssh -t (and without -T)."
REFUSE_SECOND = "One SkillHub session per connection: open another connection."
REFUSE_TOO_MANY = "SkillHub already has {count} sessions open, its limit: try again later."
REFUSE_TOO_MANY_USER = "You already have {count} SkillHub sessions open, your limit: close one first."
REFUSE_FORWARDING = "SkillHub does not forward connections."
REFUSE_AGENT = "agent forwarding refused: SkillHub needs no SSH agent."
REFUSE_X11 = "X11 forwarding refused: SkillHub draws in your terminal."
LOGIN_REFUSED = "Login refused."
UNAVAILABLE = "SkillHub cannot start your session now: {reason}"
