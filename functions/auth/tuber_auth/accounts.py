"""Accounts: registration, credentials, profile. Plain functions over a Database.
The rest of an account's life (verification, password reset and change, deletion, export)
is in tuber_auth.lifecycle, tuber_auth.deletion and tuber_auth.export."""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common.clock import utcnow
from tuber_common.errors import Conflict, NotFound, Unauthorized
from tuber_common.ids import try_parse_id
from tuber_common.observability import logger
from tuber_common.passwords import hash_password, verify_password
from tuber_common import account_status, users
from tuber_common.users import PUBLIC_FIELDS, private_user, public_user

from . import lifecycle, mail_quota, throttle


def register(db: Database, username: str, email: str, password: str,
             display_name: str | None = None) -> dict:
    """A new account, usable at once; its address is verified by mail (tuber_auth.lifecycle).
    The answer is the same whether or not another account has the address: only the mail
    differs, and only the address's owner reads it (docs/API.md "Accounts")."""
    now = utcnow()
    email_key = users.key(email)
    mail_quota.claim(db, email_key)  # before anything: the same limit for every address
    name = display_name or username
    keys = users.identity_keys(username, name)
    _check_names(db, keys, None)
    doc = {
        "username": username, "email": email, "emailLower": email_key,
        "emailVerifiedAt": None, "displayName": name,
        "passwordHash": hash_password(password), "tokenVersion": 0,
        "createdAt": now, "updatedAt": now, **keys,
    }
    try:
        doc["_id"] = db.users.insert_one(doc).inserted_id
    except DuplicateKeyError:
        raise _username_taken() from None
    try:
        # Again now that it is stored: of two look-alike names registered at once, at least
        # one sees the other here (both may be refused; never both accepted).
        _check_names(db, keys, doc["_id"])
    except Conflict:
        db.users.delete_one({"_id": doc["_id"]})
        raise
    lifecycle.send_verification(db, doc, on_register=True)
    return private_user(doc)


def _username_taken() -> Conflict:
    return Conflict("that username is already taken", code="username_taken")


def _check_names(db: Database, keys: dict, own_id: ObjectId | None) -> None:
    """409 unless the username and display name of `keys` are free of look-alikes: other
    accounts' usernames and display names, and the usernames of deleted accounts."""
    retired = db.retired_usernames.find_one(
        {"$or": [{"_id": keys["usernameLower"]},
                 {"skeleton": {"$in": keys["usernameSkeleton"]}}]})
    if retired is not None:
        raise _username_taken()
    clash = users.look_alike(db, keys["usernameSkeleton"], own_id)
    if clash is not None:
        if clash.get("username", "").casefold() == keys["usernameLower"]:
            raise _username_taken()
        raise Conflict("that username looks like another channel's name",
                       code="username_look_alike", details={"similarTo": clash["username"]})
    _check_display_name(db, keys, own_id)


def _check_display_name(db: Database, keys: dict, own_id: ObjectId | None) -> None:
    names = keys["displayNameSkeleton"]
    if set(names) & set(keys["usernameSkeleton"]):
        return  # one's own channel name, in any spelling
    clash = users.look_alike(db, names, own_id)
    if clash is None and db.retired_usernames.find_one(
            {"skeleton": {"$in": names}}) is not None:
        clash = {"username": "[deleted]"}
    if clash is not None:
        raise Conflict("that display name imitates another channel",
                       code="display_name_imitates", details={"similarTo": clash["username"]})


def authenticate(db: Database, identifier: str) -> tuple[dict | None, str]:
    """The user an email or username names (or None), and the key its failures count under.
    Both are compared by their keys (NFKC, case folded); an email names only the account
    that owns it (verified, or held before verification existed), never a mere claim."""
    key = users.key(identifier)
    query = users.email_owner_query(key) if "@" in key else {"usernameLower": key}
    user = db.users.find_one({**query, "deletedAt": None})
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
    # Only once the password is right: a suspension is no one else's business.
    account_status.assert_accepts(user, account_status.token_version(user))
    logger.info("login succeeded", extra={"userId": str(user["_id"])})
    return user


def get_private(db: Database, user_id: str) -> dict:
    oid = try_parse_id(user_id)
    doc = db.users.find_one({"_id": oid, "deletedAt": None}) if oid else None
    if doc is None:
        # A valid token for a user that no longer exists: the session is over.
        raise Unauthorized("account no longer exists", code="account_not_found")
    return private_user(doc)


def update_profile(db: Database, user_id: str, display_name: str) -> dict:
    """A new display name, unless it imitates another channel (409 display_name_imitates)."""
    oid = try_parse_id(user_id)
    doc = db.users.find_one({"_id": oid}, {"username": 1, "displayName": 1}) if oid else None
    if doc is None:
        raise NotFound("user not found", code="user_not_found")
    keys = users.identity_keys(doc["username"], display_name)
    _check_display_name(db, keys, oid)
    db.users.update_one({"_id": oid}, {"$set": {
        "displayName": display_name, "displayNameSkeleton": keys["displayNameSkeleton"],
        "updatedAt": utcnow()}})
    try:
        _check_display_name(db, keys, oid)  # again, now that it is stored (see register)
    except Conflict:
        previous = doc.get("displayName") or doc["username"]
        db.users.update_one({"_id": oid, "displayName": display_name}, {"$set": {
            "displayName": previous, "displayNameSkeleton": users.skeletons(previous)}})
        raise
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
