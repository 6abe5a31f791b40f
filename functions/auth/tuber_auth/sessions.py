"""Refresh tokens: opaque, stored as SHA-256 hashes, rotated on every use.

Each sign-in starts a family. Refreshing spends the presented token and issues the next one
of its family. Presenting a spent token means it was stolen or replayed: the whole family is
revoked, so the newest token stops working too. Logout revokes the family.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from bson import ObjectId
from pymongo.database import Database

from tuber_common.clock import utcnow
from tuber_common.errors import Forbidden, Unauthorized
from tuber_common.settings import get_settings
from tuber_common.tokens import issue_access_token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_refresh_token(db: Database, user_id: ObjectId, family_id: ObjectId) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.refresh_tokens.insert_one({
        "_id": _hash(token), "userId": user_id, "familyId": family_id, "createdAt": now,
        "expiresAt": now + timedelta(seconds=get_settings().refresh_token_ttl_seconds),
        "spentAt": None,
    })
    return token


def _token_pair(db: Database, user_id: ObjectId, family_id: ObjectId) -> dict:
    access, expires_in = issue_access_token(str(user_id))
    return {"accessToken": access, "refreshToken": _issue_refresh_token(db, user_id, family_id),
            "tokenType": "Bearer", "expiresIn": expires_in}


def start_session(db: Database, user_id: ObjectId) -> dict:
    now = utcnow()
    family_id = ObjectId()
    # The family outlives any one token by the refresh lifetime; refreshed on each rotation.
    db.token_families.insert_one({
        "_id": family_id, "userId": user_id, "createdAt": now, "revokedAt": None,
        "expiresAt": now + timedelta(seconds=get_settings().refresh_token_ttl_seconds),
    })
    return _token_pair(db, user_id, family_id)


def _revoke_family(db: Database, family_id: ObjectId, reason: str) -> None:
    db.token_families.update_one({"_id": family_id, "revokedAt": None},
                                 {"$set": {"revokedAt": utcnow(), "revokedReason": reason}})


def rotate(db: Database, refresh_token: str) -> tuple[ObjectId, dict]:
    """Spend `refresh_token` and return (user id, new token pair)."""
    now = utcnow()
    token_hash = _hash(refresh_token)
    # Spending is atomic: of two concurrent refreshes with one token, exactly one wins.
    spent = db.refresh_tokens.find_one_and_update(
        {"_id": token_hash, "spentAt": None, "expiresAt": {"$gt": now}},
        {"$set": {"spentAt": now}},
    )
    if spent is None:
        known = db.refresh_tokens.find_one({"_id": token_hash})
        if known and known["spentAt"] is not None:
            _revoke_family(db, known["familyId"], "reuse")
        raise Unauthorized("refresh token is invalid, spent or expired",
                           code="invalid_refresh_token")
    family = db.token_families.find_one({"_id": spent["familyId"]})
    if family is None or family["revokedAt"] is not None:
        raise Unauthorized("refresh token was revoked", code="invalid_refresh_token")
    db.token_families.update_one({"_id": family["_id"]}, {"$set": {
        "expiresAt": now + timedelta(seconds=get_settings().refresh_token_ttl_seconds)}})
    return spent["userId"], _token_pair(db, spent["userId"], spent["familyId"])


def end_session(db: Database, refresh_token: str, user_id: str) -> None:
    """Logout: revoke the family of `refresh_token`. Unknown tokens are already unusable."""
    known = db.refresh_tokens.find_one({"_id": _hash(refresh_token)})
    if known is None:
        return
    if str(known["userId"]) != user_id:
        raise Forbidden("that refresh token belongs to another account", code="not_owner")
    _revoke_family(db, known["familyId"], "logout")
