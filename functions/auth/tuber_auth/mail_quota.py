"""How much mail requests may send to one address: MAIL_PER_ADDRESS_PER_HOUR per clock
hour, whatever the requests are (registration, resend, reset) and whether or not an account
has the address, so that the limit says nothing about accounts. Counted atomically before a
message is sent (one document per address and hour, removed by a TTL index); the address is
stored as its SHA-256 only."""
from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common.clock import utcnow
from tuber_common.errors import Throttled
from tuber_common.settings import get_settings


def claim(db: Database, email_key: str) -> None:
    """Count one message to the address; Throttled (429 `mail_throttled`) over the limit."""
    now = utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    ends = hour + timedelta(hours=1)
    address = hashlib.sha256(email_key.encode("utf-8", "surrogatepass")).hexdigest()
    slot = f"{address}:{hour:%Y%m%d%H}"
    update = {"$inc": {"count": 1}, "$setOnInsert": {"expiresAt": ends}}
    doc = count(db.mail_quota, slot, update)
    if doc["count"] > get_settings().mail_per_address_per_hour:
        raise Throttled("too many emails to this address this hour, try again later",
                        retry_after=max(1, math.ceil((ends - now).total_seconds())),
                        code="mail_throttled")


def count(collection, key: str, update: dict) -> dict:
    """Apply `update` (an $inc with $setOnInsert) to document `key`, creating it if need be;
    the document after. Two first upserts at once: one inserts, the other's DuplicateKeyError
    means the document exists now, so it tries again (and inserts if it went meanwhile)."""
    for _ in range(5):
        try:
            doc = collection.find_one_and_update({"_id": key}, update, upsert=True,
                                                 return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            continue
        if doc is not None:  # (SecantusDB may answer none to an upsert that lost a race)
            return doc
    raise RuntimeError(f"could not count {key!r}")  # five races in a row: not expected
