"""The one source of "now". Tests freeze it by patching :func:`now`."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def utc_stamp(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as the stored form, e.g. ``2026-11-22T14:33:27Z``."""
    moment = (moment or now()).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
