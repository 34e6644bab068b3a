"""Sub-commands that modules add to `skillhub` through `tui.cli.EXTRA_COMMANDS`."""
