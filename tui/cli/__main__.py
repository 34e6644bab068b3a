"""`python -m tui.cli`: the `skillhub` command (as tests and scripts start it)."""

from __future__ import annotations

import sys

from tui.cli import main

sys.exit(main())
