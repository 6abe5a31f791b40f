"""Ids from the outside world: a malformed id is simply something that does not exist.

Users, comments, ratings and the rest have MongoDB ObjectIds (24 hex digits). Videos do not:
an ObjectId is a timestamp, a per-process random value and a counter, so one public video's
id let anyone find the unlisted and private videos created around it in a few guesses, and
their media too (media keys carry the video id). A video created now gets `new_video_id()`:
16 bytes from `secrets` (128 random bits, nothing derived from time, host or any other
video), written as 22 base64url characters and stored as a string `_id`.

Videos created before keep their ObjectId `_id`, and every path that takes a video id accepts
both (`parse_video_id`, `try_parse_video_id`). The two formats cannot be confused: 22
characters from [A-Za-z0-9_-] against 24 hex digits, a string `_id` against an ObjectId one.
"""
from __future__ import annotations

import re
import secrets
from typing import Union

from bson import ObjectId
from bson.errors import InvalidId

from .errors import NotFound, Unauthorized

VIDEO_ID_BYTES = 16
VIDEO_ID_CHARS = 22  # ceil(16 * 8 / 6), unpadded base64url
# Canonical form only: 16 bytes fill 21 characters and 2 bits of the 22nd, whose 4 spare
# bits are zero, so it is one of A, Q, g, w. One video, one spelling.
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")
_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")

# What a video's `_id` is: the random string, or an ObjectId for a video made before.
VideoId = Union[str, ObjectId]


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


def user_oid(user_id: str) -> ObjectId:
    """The ObjectId of a signed-in caller (the subject of a verified access token, as
    http.require_user answers it). Our own tokens always carry one: anything else is an
    invalid token (401)."""
    oid = try_parse_id(user_id)
    if oid is None:
        raise Unauthorized("invalid access token", code="invalid_token")
    return oid


def new_video_id() -> str:
    """A fresh video id: 128 bits from the OS's CSPRNG, 22 base64url characters."""
    return secrets.token_urlsafe(VIDEO_ID_BYTES)


def is_random_video_id(value: object) -> bool:
    """True for an id in the current (random) format; False for a legacy ObjectId."""
    return isinstance(value, str) and _VIDEO_ID.fullmatch(value) is not None


def try_parse_video_id(value: object) -> VideoId | None:
    """The `_id` a video id from outside (path, S3 key, event, cursor) names: the string
    itself in the current format, an ObjectId for a legacy 24-hex id; None otherwise."""
    if isinstance(value, ObjectId):
        return value
    if not isinstance(value, str):
        return None
    if _VIDEO_ID.fullmatch(value):
        return value
    if _OBJECT_ID.fullmatch(value):
        return ObjectId(value)
    return None


def parse_video_id(value: object) -> VideoId:
    """As try_parse_video_id; a malformed id is a video that does not exist (404)."""
    video_id = try_parse_video_id(value)
    if video_id is None:
        raise NotFound("video not found", code="video_not_found")
    return video_id
