"""Sessions: refresh tokens, opaque, stored as SHA-256 hashes, rotated on every use.

Each sign-in starts a family. Refreshing spends the presented token and issues the next one
of its family. Presenting a spent token again:
- within REFRESH_REUSE_GRACE_SECONDS of its spending, by the same client (IP and User-Agent),
  answers the very pair its first use got: two tabs refreshing at once, or a client retrying
  an answer it lost, stay signed in. The pair is kept for that, sealed with a key derived from
  the spent token itself (which the database never holds), so only its holder can open it;
- otherwise means it was stolen or replayed: the whole family is revoked, so the newest token
  stops working too.
Logout revokes the family. `end_all_sessions` revokes every family of a user and bumps the
user's token version, which ends their access tokens too (tuber_common.account_status).
A refresh checks the account: a deleted or suspended user gets no new tokens.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

from bson import ObjectId
from pymongo.database import Database

from tuber_common import account_status
from tuber_common.clock import utcnow
from tuber_common.errors import Forbidden, Unauthorized
from tuber_common.settings import get_settings
from tuber_common.tokens import issue_access_token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_key(ip: str, user_agent: str) -> str:
    """Who refreshed, for the reuse grace window: a digest of the IP and the User-Agent."""
    return hashlib.sha256(f"{ip}\n{user_agent}".encode()).hexdigest()[:32]


def _new_refresh_token(db: Database, user_id: ObjectId, family_id: ObjectId) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.refresh_tokens.insert_one({
        "_id": _hash(token), "userId": user_id, "familyId": family_id, "createdAt": now,
        "expiresAt": now + timedelta(seconds=get_settings().refresh_token_ttl_seconds),
        "spentAt": None,
    })
    return token


def _token_pair(db: Database, user_id: ObjectId, family_id: ObjectId, version: int) -> dict:
    access, expires_in = issue_access_token(str(user_id), version, str(family_id))
    return {"accessToken": access, "refreshToken": _new_refresh_token(db, user_id, family_id),
            "tokenType": "Bearer", "expiresIn": expires_in}


def start_session(db: Database, user_id: ObjectId, version: int = 0) -> dict:
    """A new family and its first pair; `version`: the user's token version."""
    now = utcnow()
    family_id = ObjectId()
    # The family outlives any one token by the refresh lifetime; refreshed on each rotation.
    db.token_families.insert_one({
        "_id": family_id, "userId": user_id, "createdAt": now, "revokedAt": None,
        "expiresAt": now + timedelta(seconds=get_settings().refresh_token_ttl_seconds),
    })
    return _token_pair(db, user_id, family_id, version)


def _revoke_family(db: Database, family_id: ObjectId, reason: str) -> None:
    db.token_families.update_one({"_id": family_id, "revokedAt": None},
                                 {"$set": {"revokedAt": utcnow(), "revokedReason": reason}})


def _invalid() -> Unauthorized:
    return Unauthorized("refresh token is invalid, spent or expired",
                        code="invalid_refresh_token")


def rotate(db: Database, refresh_token: str, client: str) -> tuple[dict, dict]:
    """Spend `refresh_token` (presented by `client`, see client_key) and return
    (the user's document, new token pair)."""
    now = utcnow()
    token_hash = _hash(refresh_token)
    known = db.refresh_tokens.find_one({"_id": token_hash})
    if known is None or known["expiresAt"] <= now:
        raise _invalid()
    if known.get("spentAt") is not None:
        return _reused(db, known, refresh_token, client, now)
    family = db.token_families.find_one({"_id": known["familyId"]})
    if family is None or family["revokedAt"] is not None:
        raise Unauthorized("refresh token was revoked", code="invalid_refresh_token")
    user = db.users.find_one({"_id": known["userId"]})
    version = account_status.token_version(user) if user else 0
    account_status.assert_accepts(user, version)
    # The next pair exists before the token is spent, and the spending records it (sealed)
    # in the same atomic update: of two concurrent refreshes exactly one wins, and the
    # other finds the winner's pair at once.
    pair = _token_pair(db, known["userId"], known["familyId"], version)
    won = db.refresh_tokens.find_one_and_update(
        {"_id": token_hash, "spentAt": None},
        {"$set": {"spentAt": now, "spentBy": client, "successor": _seal(refresh_token, pair)}})
    if won is None:
        db.refresh_tokens.delete_one({"_id": _hash(pair["refreshToken"])})
        spent = db.refresh_tokens.find_one({"_id": token_hash})
        if spent is None:
            raise _invalid()
        return _reused(db, spent, refresh_token, client, now)
    db.token_families.update_one({"_id": family["_id"]}, {"$set": {
        "expiresAt": now + timedelta(seconds=get_settings().refresh_token_ttl_seconds)}})
    return user, pair


def _reused(db: Database, spent: dict, refresh_token: str, client: str,
            now) -> tuple[dict, dict]:
    """A spent token again: its first answer within the grace window for the same client,
    else the family is revoked."""
    grace = timedelta(seconds=get_settings().refresh_reuse_grace_seconds)
    sealed = spent.get("successor")
    if sealed is not None and spent.get("spentBy") == client and now - spent["spentAt"] <= grace:
        family = db.token_families.find_one({"_id": spent["familyId"]})
        if family is not None and family["revokedAt"] is None:
            user = db.users.find_one({"_id": spent["userId"]})
            account_status.assert_accepts(user, account_status.token_version(user or {}))
            pair = _unseal(refresh_token, sealed)
            elapsed = int((now - spent["spentAt"]).total_seconds())
            return user, {**pair, "expiresIn": max(1, pair["expiresIn"] - elapsed)}
    _revoke_family(db, spent["familyId"], "reuse")
    raise _invalid()


def _keystream(refresh_token: str, length: int) -> bytes:
    return hashlib.shake_256(b"tuber-refresh-successor\0" + refresh_token.encode()).digest(length)


def _seal(refresh_token: str, pair: dict) -> bytes:
    """The pair, encrypted with a one-time pad derived from the spent token: the database
    holds only that token's SHA-256, so it cannot open what it stores."""
    data = json.dumps(pair, separators=(",", ":")).encode()
    return bytes(a ^ b for a, b in zip(data, _keystream(refresh_token, len(data))))


def _unseal(refresh_token: str, sealed: bytes) -> dict:
    data = bytes(sealed)
    return json.loads(bytes(a ^ b for a, b in zip(data, _keystream(refresh_token, len(data)))))


def end_session(db: Database, refresh_token: str, user_id: str) -> None:
    """Logout: revoke the family of `refresh_token`. Unknown tokens are already unusable."""
    known = db.refresh_tokens.find_one({"_id": _hash(refresh_token)})
    if known is None:
        return
    if str(known["userId"]) != user_id:
        raise Forbidden("that refresh token belongs to another account", code="not_owner")
    _revoke_family(db, known["familyId"], "logout")


def end_family(db: Database, family_id: str, user_id: str) -> None:
    """Logout by access token: revoke the family it was issued to (its `fam` claim)."""
    if not ObjectId.is_valid(family_id):
        return
    db.token_families.update_one(
        {"_id": ObjectId(family_id), "userId": ObjectId(user_id), "revokedAt": None},
        {"$set": {"revokedAt": utcnow(), "revokedReason": "logout"}})


def end_all_sessions(db: Database, user_id, keep_family: str | None = None,
                     reason: str = "ended") -> dict | None:
    """Every session of the user ends at once: all refresh token families are revoked and the
    token version is bumped, so every access token stops working on every route
    (tuber_common.account_status). With `keep_family` (the family of the caller's own access
    token, e.g. on a password change) that session continues: its new pair is returned."""
    oid = user_id if isinstance(user_id, ObjectId) else ObjectId(user_id)
    keep = ObjectId(keep_family) if keep_family and ObjectId.is_valid(keep_family) else None
    query = {"userId": oid, "revokedAt": None}
    if keep is not None:
        query["_id"] = {"$ne": keep}
    db.token_families.update_many(query, {"$set": {"revokedAt": utcnow(),
                                                   "revokedReason": reason}})
    version = account_status.end_all_sessions(db, oid)
    if keep is None or db.token_families.find_one({"_id": keep, "userId": oid,
                                                   "revokedAt": None}) is None:
        return None
    return _token_pair(db, oid, keep, version)
