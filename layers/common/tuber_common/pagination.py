"""Opaque keyset cursors: pages follow an indexed sort key, never skip/offset.

A page is sorted by (field, _id) in one direction; the cursor carries the last item's values
and the query asks for the items strictly after them.

`_id` may hold two BSON types in one collection: videos made since issue 14 have a random
string id, older ones an ObjectId (tuber_common.ids). A sort puts every string before every
ObjectId, but $lt / $gt only compare values of the same type (type bracketing), so "after
this id" names the other type explicitly where the sort order puts it after (`_ids_beyond`).
"""
from __future__ import annotations

import base64
import json
import math
from datetime import datetime, timezone
from typing import Any

from bson import ObjectId
from pymongo.collection import Collection

from .errors import BadRequest
from .ids import VideoId, try_parse_video_id

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# A cursor this module makes is far shorter (a time or a number, and an id); longer ones
# are refused before decoding (tuber_common.request_models.Cursor).
MAX_CURSOR_CHARS = 512


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$d": value.timestamp()}
    if isinstance(value, ObjectId):
        return {"$o": str(value)}
    return value


_INT64 = 2 ** 63
_MAX_STRING = 1000


def _decode_value(value: Any) -> Any:
    """A cursor's sort value, checked: it goes into a query, so only the scalars
    _encode_value makes pass (never a document, which the server would read as operators,
    nor a list, a boolean or a number BSON cannot hold)."""
    if value is None:
        return None
    if isinstance(value, dict):
        if len(value) != 1:
            raise ValueError("one tagged value")
        (tag, inner), = value.items()
        if tag == "$d" and type(inner) in (int, float) and math.isfinite(inner):
            # OverflowError / OSError / ValueError beyond the years datetime holds.
            return datetime.fromtimestamp(inner, tz=timezone.utc)
        if tag == "$o" and isinstance(inner, str):
            return ObjectId(inner)
        raise ValueError("unknown tag")
    if type(value) is int and -_INT64 <= value < _INT64:
        return value
    if type(value) is float and math.isfinite(value):
        return value
    if isinstance(value, str) and len(value) <= _MAX_STRING:
        return value
    raise ValueError("not a sort value")


def encode_cursor(doc: dict, field: str) -> str:
    raw = json.dumps([_encode_value(doc.get(field)), str(doc["_id"])], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: not JSON


def decode_cursor(cursor: str, sort_type: type | tuple[type, ...] = datetime
                  ) -> tuple[Any, VideoId]:
    """(sort value, last _id) from a cursor, or 400 invalid_cursor. The value must be None or
    of `sort_type`, the type of the field the page is sorted by (a time for every list
    today): a cursor made for another field, or by hand, is refused."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()),
                             parse_constant=_refuse_constant)
        if not isinstance(decoded, list) or len(decoded) != 2:
            raise ValueError("not [value, id]")
        value, last_id = decoded
        # 24 hex digits: an ObjectId (every cursor issued before issue 14 too); 22 base64url
        # characters: a video's random string id. Never both, so the type round-trips.
        parsed = try_parse_video_id(last_id) if isinstance(last_id, str) else None
        if parsed is None:
            raise ValueError("not an id")
        value = _decode_value(value)
        if value is not None and not isinstance(value, sort_type):
            raise ValueError("not of the sort field's type")
        return value, parsed
    except Exception:  # any malformed cursor is the client's mistake, whatever broke
        raise BadRequest("cursor is invalid", code="invalid_cursor") from None


def _ids_beyond(last_id: VideoId, descending: bool) -> list[dict]:
    """Conditions on _id, any one of which puts an item after `last_id` among equal sort
    values. Sort order: strings < ObjectIds. Going down from an ObjectId, every string is
    still to come; going up from a string, every ObjectId is."""
    conditions: list[dict] = [{"$lt" if descending else "$gt": last_id}]
    if descending and isinstance(last_id, ObjectId):
        conditions.append({"$type": "string"})
    elif not descending and isinstance(last_id, str):
        conditions.append({"$type": "objectId"})
    return conditions


def page(collection: Collection, query: dict, *, sort_field: str, descending: bool = True,
         limit: int = DEFAULT_LIMIT, cursor: str | None = None,
         projection: dict | None = None,
         sort_type: type | tuple[type, ...] = datetime) -> tuple[list[dict], str | None]:
    """One page of `query`, sorted by (sort_field, _id); returns (docs, next cursor or None).
    `sort_type`: what sort_field holds (None aside), which a cursor's value must be."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    order = -1 if descending else 1
    if cursor:
        value, last_id = decode_cursor(cursor, sort_type)
        beyond, up_to = ("$lt", "$lte") if descending else ("$gt", "$gte")
        # The plain range bound lets the planner scan the index from the cursor on; the $or
        # breaks ties on equal sort values by _id.
        query = {"$and": [query, {sort_field: {up_to: value}}, {"$or": [
            {sort_field: {beyond: value}},
            *({sort_field: value, "_id": condition}
              for condition in _ids_beyond(last_id, descending)),
        ]}]}
    docs = list(collection.find(query, projection).sort([(sort_field, order), ("_id", order)])
                .limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, (encode_cursor(docs[-1], sort_field) if more else None)
