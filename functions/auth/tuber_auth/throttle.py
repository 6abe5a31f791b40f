"""Login throttling: at most N password checks per account within the lockout window; more
attempts are refused (429 + Retry-After) until the window passes. An attempt is counted
atomically *before* its password is checked, so concurrent guesses (one per Lambda
container) cannot all be evaluated while the count lags behind; a successful sign-in clears
the count. State lives in Mongo so that every container sees it; a TTL index cleans it up."""
from __future__ import annotations

import math
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common.clock import utcnow
from tuber_common.errors import Throttled
from tuber_common.settings import get_settings


def claim_attempt(db: Database, account_key: str) -> None:
    """Count this attempt; Throttled if the window already holds the most it allows."""
    settings = get_settings()
    now = utcnow()
    # A window that has run out starts over.
    db.login_failures.delete_one({"_id": account_key, "expiresAt": {"$lte": now}})
    doc = _count(db, account_key, now + timedelta(seconds=settings.login_lockout_seconds))
    if doc["attempts"] > settings.login_max_failures:
        retry_after = max(1, math.ceil((doc["expiresAt"] - now).total_seconds()))
        raise Throttled("too many failed sign-in attempts, try again later",
                        retry_after=retry_after, code="login_throttled")


def _count(db: Database, account_key: str, expires_at) -> dict:
    update = {"$inc": {"attempts": 1}, "$setOnInsert": {"expiresAt": expires_at}}
    try:
        return db.login_failures.find_one_and_update(
            {"_id": account_key}, update, upsert=True, return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:  # two first attempts upserted at once: the other one inserted
        return db.login_failures.find_one_and_update(
            {"_id": account_key}, update, return_document=ReturnDocument.AFTER)


def clear_failures(db: Database, account_key: str) -> None:
    db.login_failures.delete_one({"_id": account_key})
