"""Dev data: demo seeding, the data dumps (export and load), scratch servers for benchmarks.

Only entry points (the `tui/cli/` package, the SSH server's preparation), scripts and
tests import it; production wiring (`domain.bootstrap`) never does.
"""
