"""Accounts: registration, credentials, profile. Plain functions over a Database."""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common.clock import utcnow
from tuber_common.errors import Conflict, NotFound, Unauthorized
from tuber_common.ids import try_parse_id
from tuber_common.observability import logger
from tuber_common.passwords import hash_password, verify_password
from tuber_common.users import PUBLIC_FIELDS, private_user, public_user

from . import throttle


def register(db: Database, username: str, email: str, password: str,
             display_name: str | None = None) -> dict:
    now = utcnow()
    doc = {
        "username": username, "usernameLower": username.lower(),
        "email": email, "emailLower": email.lower(),
        "displayName": (display_name or username).strip(),
        "passwordHash": hash_password(password),
        "createdAt": now, "updatedAt": now,
    }
    try:
        doc["_id"] = db.users.insert_one(doc).inserted_id
    except DuplicateKeyError as exc:
        field = "email" if "email" in str(exc.details or exc) else "username"
        raise Conflict(f"that {field} is already taken", code=f"{field}_taken") from None
    return private_user(doc)


def authenticate(db: Database, identifier: str) -> tuple[dict | None, str]:
    """The user an email or username names (or None), and the key its failures count under."""
    key = identifier.lower()
    field = "emailLower" if "@" in key else "usernameLower"
    user = db.users.find_one({field: key})
    return user, (f"user:{user['_id']}" if user else f"unknown:{key}")


def login(db: Database, identifier: str, password: str,
          client: throttle.Client | None = None) -> dict:
    """The signed-in user's document; one answer for unknown user and wrong password.
    The attempt is counted (tuber_auth.throttle) before the password is checked."""
    user, account_key = authenticate(db, identifier)
    attempt = throttle.begin(db, account_key, user["_id"] if user else None,
                             client or throttle.Client(""))
    if not verify_password(password, user["passwordHash"] if user else None):
        logger.info("login failed", extra={"userId": str(user["_id"]) if user else None})
        raise Unauthorized("wrong email, username or password", code="invalid_credentials")
    attempt.succeeded()
    logger.info("login succeeded", extra={"userId": str(user["_id"])})
    return user


def get_private(db: Database, user_id: str) -> dict:
    oid = try_parse_id(user_id)
    doc = db.users.find_one({"_id": oid}) if oid else None
    if doc is None:
        # A valid token for a user that no longer exists: the session is over.
        raise Unauthorized("account no longer exists", code="account_not_found")
    return private_user(doc)


def update_profile(db: Database, user_id: str, display_name: str) -> dict:
    oid = try_parse_id(user_id)
    if oid is None or db.users.update_one(
            {"_id": oid}, {"$set": {"displayName": display_name, "updatedAt": utcnow()}}
    ).matched_count == 0:
        raise NotFound("user not found", code="user_not_found")
    return get_private(db, user_id)


def populate(db: Database, ids: list[str]) -> list[dict]:
    """Public records of the users that exist among `ids`, in the order asked, one query."""
    wanted = [oid for oid in (try_parse_id(i) for i in ids) if oid is not None]
    found = {d["_id"]: public_user(d)
             for d in db.users.find({"_id": {"$in": wanted}}, PUBLIC_FIELDS)} if wanted else {}
    seen: set[ObjectId] = set()
    ordered = []
    for oid in wanted:
        if oid in found and oid not in seen:
            seen.add(oid)
            ordered.append(found[oid])
    return ordered
