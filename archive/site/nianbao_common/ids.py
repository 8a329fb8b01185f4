"""Deterministic ids and content hashes."""

from __future__ import annotations

import hashlib


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stable_id(*parts: str) -> str:
    """A deterministic id from its parts (16 hex digits of their sha256)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
