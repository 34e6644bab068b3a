"""Password hashing and session tokens."""
