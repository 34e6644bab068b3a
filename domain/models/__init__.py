"""Entities, value objects and enums shared by services, repositories and the TUI."""
