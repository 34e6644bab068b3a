"""Keyed hashes: text that must be comparable in a log but never readable there."""

from __future__ import annotations

import hashlib
import hmac


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A key for one purpose derived from the app's secret key (HMAC-SHA256), so one setting
    keys everything and a hash made for one purpose says nothing about another."""
    return hmac.new(secret_key.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of `value` as 64 hex digits: equal inputs give equal hashes, and nobody
    without the key can tell what was hashed. Text that is not valid UTF-8 (lone surrogates)
    is hashed through 'surrogatepass', so it hashes too, distinctly from any valid text."""
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
