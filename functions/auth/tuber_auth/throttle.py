"""Login throttling: after N failures for one account within the lockout window, refuse
further attempts (429 + Retry-After) until the window passes. State lives in Mongo so that
every Lambda container sees it; a TTL index cleans it up."""
from __future__ import annotations

import math
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.database import Database

from tuber_common.clock import utcnow
from tuber_common.errors import Throttled
from tuber_common.settings import get_settings


def check_not_locked(db: Database, account_key: str) -> None:
    settings = get_settings()
    doc = db.login_failures.find_one({"_id": account_key})
    now = utcnow()
    if doc and doc["failures"] >= settings.login_max_failures and doc["expiresAt"] > now:
        retry_after = max(1, math.ceil((doc["expiresAt"] - now).total_seconds()))
        raise Throttled("too many failed sign-in attempts, try again later",
                        retry_after=retry_after, code="login_throttled")


def record_failure(db: Database, account_key: str) -> None:
    settings = get_settings()
    now = utcnow()
    window = timedelta(seconds=settings.login_lockout_seconds)
    # A window that has run out starts over; otherwise count atomically.
    db.login_failures.delete_one({"_id": account_key, "expiresAt": {"$lte": now}})
    db.login_failures.find_one_and_update(
        {"_id": account_key},
        {"$inc": {"failures": 1}, "$setOnInsert": {"expiresAt": now + window}},
        upsert=True, return_document=ReturnDocument.AFTER,
    )


def clear_failures(db: Database, account_key: str) -> None:
    db.login_failures.delete_one({"_id": account_key})
