"""Repositories: the only code that writes SQL or MongoDB queries."""
