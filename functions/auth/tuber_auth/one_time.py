"""One-time tokens sent by mail: verify an address, reset a password.

A token is 32 random bytes (base64url). The database keeps its SHA-256 only, with what it is
for (`purpose`), whose it is (`userId`), the address it was sent to (`emailKey`) and when it
expires (a TTL index removes it after). Spending is one conditional update: of any number of
requests presenting the same token at once, from any number of containers, exactly one gets
the token's document; the others, and every later use, get None.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from bson import ObjectId
from pymongo.database import Database

from tuber_common.clock import utcnow

VERIFY = "verify"
RESET = "reset"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(db: Database, purpose: str, user_id: ObjectId, email_key: str,
          ttl_seconds: int) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.account_tokens.insert_one({
        "_id": digest(token), "purpose": purpose, "userId": user_id, "emailKey": email_key,
        "createdAt": now, "expiresAt": now + timedelta(seconds=ttl_seconds), "spentAt": None,
    })
    return token


def spend(db: Database, purpose: str, token: str) -> dict | None:
    """The token's document if this call spent it; None if it is unknown, for something
    else, expired or already spent."""
    now = utcnow()
    return db.account_tokens.find_one_and_update(
        {"_id": digest(token), "purpose": purpose, "spentAt": None, "expiresAt": {"$gt": now}},
        {"$set": {"spentAt": now}})


def give_back(db: Database, doc: dict) -> None:
    """Unspend a token whose use failed for a reason its holder can fix (a rare race)."""
    db.account_tokens.update_one({"_id": doc["_id"]}, {"$set": {"spentAt": None}})


def void(db: Database, user_id: ObjectId, purpose: str | None = None) -> int:
    """Every unspent token of the user (of one purpose) stops working."""
    query: dict = {"userId": user_id, "spentAt": None}
    if purpose:
        query["purpose"] = purpose
    return db.account_tokens.update_many(query, {"$set": {"spentAt": utcnow(),
                                                          "voided": True}}).modified_count
