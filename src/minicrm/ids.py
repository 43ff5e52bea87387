"""Stable identifiers for records that are exported or synced."""

from __future__ import annotations


def new_uid() -> str:
    """A random UUID (version 4) as text. ``uuid`` is imported here, on first use: it costs
    ~8 ms at start-up and only commands that create records need it."""
    import uuid

    return str(uuid.uuid4())
