"""Infrastructure: the code that shells out or touches files, beside the repositories.

Embedded servers (`embedded`, `embedded_postgres`, `embedded_mongo`, `processes`), the
PostgreSQL client tools (`pgtools`), the backup archive format (`backup_archive`,
`archive_manifest`), migrations (`migrate`), the connections to both databases
(`connections`), the directories the settings name (`directories`), the log file (`logfile`)
and exported files (`exports`). Services use it through these narrow functions and classes;
nothing here imports a service.
"""
