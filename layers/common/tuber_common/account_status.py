"""Whether an account still accepts its access tokens, asked on every authenticated request
(tuber_common.http.optional_user), so that a deleted or suspended user, or a user who ended
their sessions, is refused on every route of every function at once.

An access token is accepted when its user
- exists and has no `deletedAt` (deleted accounts: 401 `account_not_found`),
- has no `suspendedAt` (an operator's suspension: 403 `account_suspended`),
- and the token's `ver` claim is not older than the user's `tokenVersion` (bumped by
  `end_all_sessions`: password change, deletion, "sign out everywhere"; 401 `session_ended`).

The answer costs one indexed read of two fields by `_id`. Writes (any method but GET, HEAD and
OPTIONS) always read it; reads may use this container's copy, at most
ACCOUNT_STATUS_CACHE_SECONDS old (default 5). So the moment an account is deleted, suspended or
signed out everywhere, none of its tokens can change anything, and reads stop within seconds.
"""
from __future__ import annotations

import threading
import time

from bson import ObjectId
from bson.errors import InvalidId

from .errors import Forbidden, Unauthorized
from .settings import get_settings

FIELDS = {"tokenVersion": 1, "suspendedAt": 1, "deletedAt": 1}
_MAX_CACHED = 10_000

_lock = threading.Lock()
_cache: dict[str, tuple[float, dict | None]] = {}  # user id -> (monotonic read time, doc)


def check(user_id: str, version: int, *, fresh: bool) -> None:
    """Raise unless `user_id`'s account accepts a token of `version` (see the module doc).
    `fresh`: read the database now (writes), else a copy a few seconds old may do."""
    assert_accepts(_status(user_id, fresh), version)


def assert_accepts(doc: dict | None, version: int) -> None:
    """The rule itself, for a user document (None: no such user) holding FIELDS."""
    if doc is None or doc.get("deletedAt"):
        raise Unauthorized("this account no longer exists", code="account_not_found")
    if doc.get("suspendedAt"):
        raise Forbidden("this account is suspended", code="account_suspended")
    if version < int(doc.get("tokenVersion") or 0):
        raise Unauthorized("this session has ended, sign in again", code="session_ended")


def token_version(doc: dict) -> int:
    return int(doc.get("tokenVersion") or 0)


def end_all_sessions(db, user_id) -> int:
    """Every access token issued so far stops working (the refresh token families are the
    caller's: tuber_auth.sessions.end_all_sessions revokes them too). The new version."""
    oid = _oid(user_id)
    doc = db.users.find_one_and_update({"_id": oid}, {"$inc": {"tokenVersion": 1}},
                                       projection=FIELDS, return_document=True) if oid else None
    forget(str(user_id))
    return token_version(doc) if doc else 0


def forget(user_id: str | None = None) -> None:
    """Drop this container's copy of one user's status (or of everyone's)."""
    with _lock:
        if user_id is None:
            _cache.clear()
        else:
            _cache.pop(user_id, None)


def _status(user_id: str, fresh: bool) -> dict | None:
    max_age = get_settings().account_status_cache_seconds
    now = time.monotonic()
    if not fresh and max_age > 0:
        cached = _cache.get(user_id)
        if cached is not None and now - cached[0] <= max_age:
            return cached[1]
    oid = _oid(user_id)
    if oid is None:
        return None
    from .db import get_db  # the database only for callers that check tokens

    doc = get_db().users.find_one({"_id": oid}, FIELDS)
    if max_age > 0:
        with _lock:
            if len(_cache) >= _MAX_CACHED:
                _cache.clear()
            _cache[user_id] = (now, doc)
    return doc


def _oid(user_id) -> ObjectId | None:
    if isinstance(user_id, ObjectId):
        return user_id
    try:
        return ObjectId(user_id)
    except (InvalidId, TypeError):
        return None
