"""Deleting an account (DELETE /auth/me; docs/API.md "Deleting an account").

1. The password is confirmed (tuber_auth.reauth).
2. A deletion record is written first (`account_deletions`, keyed by the user id): from then
   on the deletion is carried through whatever happens to this request.
3. The username is retired (`retired_usernames`: never given out again, nor a look-alike of
   it), every session ends (refresh token families revoked, token version bumped), the
   account's one-time tokens, known devices and its document go. From here every token of
   the account is refused on every route (tuber_common.account_status), sign-in finds
   nothing, and the address is free for a new account.
4. What the account left elsewhere is removed (tuber_common.account_removal) for as long as
   this request may run; the rest, and anything a request already running when the
   account went still wrote, is removed by the function's scheduled run
   (`finish_pending`), which keeps looking for ACCOUNT_DELETION_SETTLE_SECONDS (default 20
   minutes: longer than an access token lives) before it closes the record.
Every step is idempotent: a deletion that stops anywhere is finished by the next run.
"""
from __future__ import annotations

import time
from datetime import timedelta

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import account_removal, account_status
from tuber_common.clock import iso, utcnow
from tuber_common.errors import ApiError
from tuber_common.observability import logger
from tuber_common.settings import get_settings
from tuber_common.users import skeletons

from . import letters, lifecycle, reauth, sessions, throttle

# Seconds of a request's 10 (from its start) spent removing content before it answers (the
# rest is left to the schedule); and of a scheduled run's (the same 10 s timeout).
REQUEST_BUDGET_SECONDS = 5.0
SCHEDULE_BUDGET_SECONDS = 7.0
BATCH = 50


def delete_account(db: Database, user_id: str, password: str) -> dict:
    started = time.monotonic()
    user = lifecycle.current_user(db, user_id)
    reauth.confirm(db, user, password)
    record = begin(db, user)
    result = account_removal.purge(db, user["_id"], started + REQUEST_BUDGET_SECONDS)
    _record_run(db, user["_id"], result)
    if lifecycle.owns_address(user):  # the last word, to an address that is the user's
        try:
            lifecycle.send_letter(user["email"], letters.account_deleted(user["username"]))
        except ApiError:
            logger.warning("account deletion notice not sent", extra={"userId": user_id})
    logger.info("account deleted", extra={"userId": user_id, **result})
    return {"deletion": {"status": "complete" if result["complete"] else "in_progress",
                         "requestedAt": iso(record["requestedAt"]),
                         "removed": {k: result[k] for k in ("videos", "ratings", "comments")}}}


def begin(db: Database, user: dict) -> dict:
    """Steps 2 and 3 (see the module doc); the deletion record."""
    oid: ObjectId = user["_id"]
    now = utcnow()
    settle = timedelta(seconds=get_settings().account_deletion_settle_seconds)
    record = {"_id": oid, "username": user["username"], "requestedAt": now,
              "settleUntil": now + settle, "finishedAt": None, "runs": 0}
    try:
        db.account_deletions.insert_one(record)
    except DuplicateKeyError:  # a deletion already under way (a retry, a second tab)
        record = db.account_deletions.find_one({"_id": oid}) or record
    retire_username(db, user)
    sessions.end_all_sessions(db, oid, reason="account_deleted")
    db.refresh_tokens.delete_many({"userId": oid})
    db.account_tokens.delete_many({"userId": oid})
    forget_user = getattr(throttle, "forget_user", None)
    if forget_user is not None:
        forget_user(db, oid)
    db.users.delete_one({"_id": oid})
    account_status.forget(str(oid))
    return record


def retire_username(db: Database, user: dict) -> None:
    key = user.get("usernameLower") or user["username"].casefold()
    try:
        db.retired_usernames.update_one(
            {"_id": key},
            {"$setOnInsert": {"skeleton": skeletons(user["username"]), "retiredAt": utcnow()}},
            upsert=True)
    except DuplicateKeyError:
        pass  # retired by a concurrent run


def _record_run(db: Database, user_id: ObjectId, result: dict) -> None:
    db.account_deletions.update_one(
        {"_id": user_id},
        {"$set": {"lastRunAt": utcnow(), "complete": result["complete"]},
         "$inc": {"runs": 1, **{f"removed.{k}": result[k]
                                for k in ("videos", "ratings", "comments")}}})


def finish_pending(db: Database, budget_seconds: float = SCHEDULE_BUDGET_SECONDS) -> dict:
    """The schedule: carry every unfinished deletion on; close those that found nothing left
    after their settle time. Answers what it did."""
    deadline = time.monotonic() + budget_seconds
    seen = closed = 0
    for record in db.account_deletions.find({"finishedAt": None}).sort("requestedAt", 1) \
            .limit(BATCH):
        if time.monotonic() >= deadline:
            break
        seen += 1
        user = db.users.find_one({"_id": record["_id"]})
        if user is not None:  # the deleting request stopped before the document went
            begin(db, user)
        result = account_removal.purge(db, record["_id"], deadline)
        _record_run(db, record["_id"], result)
        if result["complete"] and utcnow() >= record["settleUntil"]:
            db.account_deletions.update_one({"_id": record["_id"], "finishedAt": None},
                                            {"$set": {"finishedAt": utcnow()}})
            closed += 1
    return {"deletionsChecked": seen, "deletionsFinished": closed}
