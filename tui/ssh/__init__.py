"""`skillhub ssh serve`: people `ssh` straight into SkillHub, one isolated app per connection.

A delivery mechanism beside the TUI, in three processes:

    ssh client ──► server.py (asyncssh, this process): connection.py (auth through AuthService, session
                        │  counts), policy.py (limits, refusals), bridge.py (one pty per session)
                        │  control socket (JSON + the pty's slave end and a pipe, passed as fds)
                        ▼
                   forkserver.py (a process that imported Python, Textual and SkillHub once, holds no
                        │          connection and runs no thread, so it can fork safely)
                        ▼ fork
                   child.py (one per session: the pty as its controlling terminal, the session read
                             from the pipe, SkillHubApp started on Home)

The session token crosses from the server to its app through that pipe only: never an
argument, never an environment variable.
"""
