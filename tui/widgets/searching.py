"""Search as you type, as every list and picker does it: when to search, and what "nothing found" says."""

from __future__ import annotations

# How long typing must pause before a list or picker searches what was typed (seconds): a
# search per key would reload a list five times for a five-letter name.
SEARCH_PAUSE = 0.25
NO_MATCH_SHOWN = 40


def no_match(search: str) -> str:
    """What a list says when its search finds nothing (an empty list says so in its own words)."""
    shown = search if len(search) <= NO_MATCH_SHOWN else search[: NO_MATCH_SHOWN - 1] + "…"
    return f"No match for “{shown}”"
