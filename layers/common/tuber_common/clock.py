"""Time in one place: aware UTC datetimes in, ISO 8601 strings out."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    # Millisecond precision: what BSON dates store, so values compare equal after a round trip.
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
