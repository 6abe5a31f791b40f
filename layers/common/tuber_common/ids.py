"""Object ids from the outside world: a malformed id is simply something that does not exist."""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId

from .errors import NotFound


def parse_id(value: str | None, what: str = "resource") -> ObjectId:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound(f"{what} not found", code=f"{what}_not_found") from None


def try_parse_id(value: str) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None
