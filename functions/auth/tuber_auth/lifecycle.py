"""An account's email and password after registration: verifying the address, resetting a
forgotten password by mail, changing the password. The rules are in docs/API.md "Accounts".

Every link in mail carries a one-time token (tuber_auth.one_time: stored hashed, expiring,
spent by exactly one request). Requests that send mail to an address given by the caller
answer the same whether or not an account has it; the mail tells the address's owner.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import account_status, mail, users
from tuber_common.clock import utcnow
from tuber_common.errors import ApiError, BadRequest, Conflict, Unauthorized
from tuber_common.ids import try_parse_id
from tuber_common.observability import logger
from tuber_common.passwords import hash_password
from tuber_common.settings import get_settings
from tuber_common.users import private_user

from . import letters, mail_quota, one_time, reauth, sessions

# Accounts one reset mail may name when nobody verified the address (newest first).
MAX_RESET_ACCOUNTS = 5


def send_letter(to: str, letter: letters.Letter) -> None:
    mail.send(to, letter.subject, letter.text, letter.html, kind=letter.kind)


def _invalid_token() -> BadRequest:
    return BadRequest("this link is invalid, expired or already used", code="invalid_token")


def current_user(db: Database, user_id: str | ObjectId) -> dict:
    """The caller's account document; 401 `account_not_found` when it is gone."""
    oid = user_id if isinstance(user_id, ObjectId) else try_parse_id(user_id)
    doc = db.users.find_one({"_id": oid, "deletedAt": None}) if oid else None
    if doc is None:
        raise Unauthorized("account no longer exists", code="account_not_found")
    return doc


def _owner(db: Database, email_key: str, other_than: ObjectId | None = None) -> dict | None:
    query = users.email_owner_query(email_key)
    if other_than is not None:
        query = {**query, "_id": {"$ne": other_than}}
    return db.users.find_one(query, {"username": 1})


# --- verification --------------------------------------------------------------------------

def send_verification(db: Database, user: dict, *, on_register: bool = False) -> None:
    """Mail the account's address a verification link, or, when another account owns the
    address, tell its owner that someone used it. On registration a mail that cannot be sent
    is logged, not raised: the account exists, and the link can be sent again."""
    email_key = user["emailLower"]
    owner = _owner(db, email_key, user["_id"])
    if owner is not None:
        letter = letters.address_in_use(owner["username"], user["username"],
                                        mail.link("signin"), mail.link("forgot"))
    else:
        ttl = get_settings().email_verification_ttl_seconds
        token = one_time.issue(db, one_time.VERIFY, user["_id"], email_key, ttl)
        letter = letters.verify(user["username"], mail.link("verify", token=token), ttl)
    try:
        send_letter(user["email"], letter)
    except ApiError:
        if not on_register:
            raise
        logger.warning("verification mail not sent at registration",
                       extra={"userId": str(user["_id"])})


def resend_verification(db: Database, user_id: str) -> dict:
    user = current_user(db, user_id)
    if user.get("emailVerifiedAt"):
        raise Conflict("your email is already verified", code="already_verified")
    mail_quota.claim(db, user["emailLower"])
    send_verification(db, user)
    return {"status": "sent", "email": user["email"]}


def verify_email(db: Database, token: str) -> dict:
    """Spend a verification token: its account now owns the address it was sent to."""
    spent = one_time.spend(db, one_time.VERIFY, token)
    if spent is None:
        raise _invalid_token()
    user = db.users.find_one({"_id": spent["userId"], "deletedAt": None})
    if user is None or user["emailLower"] != spent["emailKey"]:
        raise _invalid_token()
    if user.get("verifiedEmail") == spent["emailKey"]:
        return private_user(user)  # verified already (an earlier link)
    if _owner(db, spent["emailKey"], user["_id"]) is not None:
        raise _email_taken()
    try:
        updated = db.users.find_one_and_update(
            {"_id": user["_id"], "emailLower": spent["emailKey"]},
            {"$set": {"verifiedEmail": spent["emailKey"], "emailVerifiedAt": utcnow(),
                      "updatedAt": utcnow()}},
            return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:  # another account verified the address a moment ago
        raise _email_taken() from None
    if updated is None:
        raise _invalid_token()
    logger.info("email verified", extra={"userId": str(user["_id"])})
    return private_user(updated)


def _email_taken() -> Conflict:
    # Only the address's owner reads the link, so telling them is no enumeration.
    return Conflict("this address already belongs to another account: sign in to it, or "
                    "reset its password", code="email_taken")


# --- password reset ------------------------------------------------------------------------

def request_reset(db: Database, email: str) -> dict:
    """Mail the address a reset link for each account it may reset (its owner; else the
    newest accounts that claimed it unverified), or a note that none uses it. The answer is
    the same in every case."""
    email_key = users.key(email)
    mail_quota.claim(db, email_key)
    owner = db.users.find_one(users.email_owner_query(email_key), {"username": 1})
    targets = [owner] if owner is not None else list(
        db.users.find({"emailLower": email_key, "deletedAt": None}, {"username": 1})
        .sort("createdAt", -1).limit(MAX_RESET_ACCOUNTS))
    ttl = get_settings().password_reset_ttl_seconds
    if targets:
        links = [(t["username"], mail.link("reset", token=one_time.issue(
            db, one_time.RESET, t["_id"], email_key, ttl))) for t in targets]
        letter = letters.reset(links, ttl)
    else:
        letter = letters.reset_no_account(mail.link("signup"))
    send_letter(users.nfkc(email).strip(), letter)
    return {"status": "sent"}


def reset_password(db: Database, token: str, password: str) -> dict:
    """Spend a reset token: new password, every session ends, and the address the link was
    sent to is verified for the account (unless another account owns it)."""
    spent = one_time.spend(db, one_time.RESET, token)
    if spent is None:
        raise _invalid_token()
    user = db.users.find_one({"_id": spent["userId"], "deletedAt": None})
    if user is None:
        raise _invalid_token()
    now = utcnow()
    update = {"passwordHash": hash_password(password), "passwordChangedAt": now,
              "updatedAt": now}
    proves = (user["emailLower"] == spent["emailKey"] and not user.get("emailVerifiedAt")
              and _owner(db, spent["emailKey"], user["_id"]) is None)
    proof = {"verifiedEmail": spent["emailKey"], "emailVerifiedAt": now} if proves else {}
    try:
        updated = db.users.find_one_and_update({"_id": user["_id"]},
                                               {"$set": {**update, **proof}},
                                               return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:  # the address was verified elsewhere meanwhile: no proof
        updated = db.users.find_one_and_update({"_id": user["_id"]}, {"$set": update},
                                               return_document=ReturnDocument.AFTER)
    if updated is None:
        raise _invalid_token()
    one_time.void(db, user["_id"], one_time.RESET)  # the other links of that mail too
    sessions.end_all_sessions(db, user["_id"], reason="password_reset")
    logger.info("password reset", extra={"userId": str(user["_id"])})
    return private_user(updated)


# --- password change -----------------------------------------------------------------------

def change_password(db: Database, user_id: str, current: str, new: str,
                    family_id: str | None) -> tuple[dict, dict]:
    """Confirm the current password, set the new one, end every session but the caller's
    (`family_id`: the session of their access token), which continues with a new pair.
    Answers (private user, token pair)."""
    user = current_user(db, user_id)
    reauth.confirm(db, user, current)
    now = utcnow()
    updated = db.users.find_one_and_update(
        {"_id": user["_id"], "deletedAt": None},
        {"$set": {"passwordHash": hash_password(new), "passwordChangedAt": now,
                  "updatedAt": now}}, return_document=ReturnDocument.AFTER)
    if updated is None:
        raise Unauthorized("account no longer exists", code="account_not_found")
    one_time.void(db, user["_id"], one_time.RESET)
    pair = sessions.end_all_sessions(db, user["_id"], keep_family=family_id,
                                     reason="password_changed")
    fresh = db.users.find_one({"_id": user["_id"]}) or updated
    if pair is None:  # a token with no session of its own (or one revoked meanwhile)
        pair = sessions.start_session(db, user["_id"], account_status.token_version(fresh))
    _notify_password_changed(fresh)
    logger.info("password changed", extra={"userId": str(user["_id"])})
    return private_user(fresh), pair


def owns_address(user: dict) -> bool:
    """Whether the account's address is its own: verified, or held from before verification
    existed. Only such an address hears about the account (never a mere claim)."""
    return user.get("verifiedEmail") == user["emailLower"] or "emailVerifiedAt" not in user


def _notify_password_changed(user: dict) -> None:
    if not owns_address(user):
        return
    try:
        send_letter(user["email"], letters.password_changed(user["username"], mail.link("forgot")))
    except ApiError:
        logger.warning("password change notice not sent", extra={"userId": str(user["_id"])})
