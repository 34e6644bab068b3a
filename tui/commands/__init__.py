"""Sub-commands of `skillhub` that modules add through `tui.cli.EXTRA_COMMANDS`."""
