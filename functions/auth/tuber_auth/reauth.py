"""Confirming the password of a signed-in user before what cannot be undone by a stolen
access token alone (changing the password, deleting the account). Wrong passwords are
counted per account, atomically and before bcrypt runs (as sign-in attempts are): at most
REAUTH_MAX_FAILURES checks per LOGIN_LOCKOUT_SECONDS, then 429 with Retry-After."""
from __future__ import annotations

import math
from datetime import timedelta

from pymongo.database import Database

from tuber_common.clock import utcnow
from tuber_common.errors import Forbidden, Throttled
from tuber_common.passwords import verify_password
from tuber_common.settings import get_settings

from .mail_quota import count


def confirm(db: Database, user: dict, password: str) -> None:
    """Pass if `password` is the user's; Forbidden (403 `wrong_password`) if not."""
    settings = get_settings()
    now = utcnow()
    key = f"user:{user['_id']}"
    db.reauth_failures.delete_one({"_id": key, "expiresAt": {"$lte": now}})
    update = {"$inc": {"attempts": 1}, "$setOnInsert": {
        "expiresAt": now + timedelta(seconds=settings.login_lockout_seconds)}}
    doc = count(db.reauth_failures, key, update)
    if doc["attempts"] > settings.reauth_max_failures:
        raise Throttled("too many wrong passwords, try again later",
                        retry_after=max(1, math.ceil((doc["expiresAt"] - now).total_seconds())),
                        code="password_confirmation_throttled")
    try:
        ok = verify_password(password, user.get("passwordHash"))
    except ValueError:  # a stored hash that is not bcrypt's: no password matches it
        ok = False
    if not ok:
        raise Forbidden("that is not your password", code="wrong_password")
    db.reauth_failures.delete_one({"_id": key})
