"""Moderation as every function sees it: roles, what a takedown or a suspension hides, and
the actions themselves (the moderation function decides when to take them).

- Roles: `users.role` is "user" (absent), "moderator" or "admin". Read fresh from the
  database on each moderator request (one point read), never from the token.
- A taken-down video or comment carries `moderation: {status, reason, at}`; so does every
  video of a suspended account (status "account_suspended"). Its owner (author) still sees
  it, with `moderation`; everyone else gets 404 or nothing in a list. A suspended account's
  comments carry it too. Listings exclude it
  with LISTABLE, which matches a missing field too, so it is one more equality on documents
  the sort index already reaches (takedowns are rare).
- A suspended account has `suspendedAt` (tuber_common.account_status refuses its tokens and
  its refresh; sign-in answers 403 account_suspended).

Admins are made from the command line (the first one cannot be made through the API):

    python -m tuber_common.moderation promote <username> admin|moderator|user
"""
from __future__ import annotations

import sys

from bson import ObjectId
from pymongo.database import Database

from . import account_status, users
from .clock import utcnow
from .errors import Forbidden, NotFound

USER, MODERATOR, ADMIN = "user", "moderator", "admin"
ROLES = (USER, MODERATOR, ADMIN)
_RANK = {USER: 0, MODERATOR: 1, ADMIN: 2}
TAKEN_DOWN, ACCOUNT_SUSPENDED = "taken_down", "account_suspended"

# A query filter: neither taken down nor its owner suspended.
LISTABLE = {"moderation": None}


def hidden(doc: dict) -> bool:
    """Whether a video or comment is hidden from everyone but its owner (projection must
    hold `moderation`)."""
    return bool(doc.get("moderation"))


def moderation_out(doc: dict) -> dict | None:
    """The owner's view of why their video or comment is hidden, or None."""
    mark = doc.get("moderation")
    return {"status": mark["status"], "reason": mark["reason"]} if mark else None


def comments_for(docs: list[dict], viewer_id: str | None) -> list[dict]:
    """A page of comments as `viewer_id` may see it: a taken-down comment stays for its
    author (comment_out adds `moderation`); for anyone else it is a placeholder when it has
    replies (as a deleted comment is: tuber_common.comment_removal), else left out."""
    shown = []
    for doc in docs:
        if not hidden(doc) or (viewer_id is not None and str(doc.get("authorId")) == viewer_id):
            shown.append(doc)
        elif doc.get("replyCount", 0) > 0:
            shown.append({**doc, "deleted": True, "text": "", "moderation": None})
    return shown


# --- roles ---------------------------------------------------------------------------------
def role_of(db: Database, user_id: str | ObjectId) -> str:
    oid = _oid(user_id)
    doc = db.users.find_one({"_id": oid, "deletedAt": None}, {"role": 1}) if oid else None
    return (doc or {}).get("role") or USER


def rank(role: str) -> int:
    return _RANK.get(role, 0)


def require_role(db: Database, user_id: str, minimum: str) -> str:
    """The caller's role if at least `minimum`; 403 `moderator_only` / `admin_only` else."""
    role = role_of(db, user_id)
    if rank(role) < rank(minimum):
        raise Forbidden(f"only a{'n' if minimum == ADMIN else ''} {minimum} may do this",
                        code=f"{minimum}_only")
    return role


def set_role(db: Database, user_id: str | ObjectId, role: str) -> dict | None:
    """Give an account a role (idempotent); its document before (None: no such account)."""
    oid = _oid(user_id)
    change = {"$unset": {"role": ""}} if role == USER else {"$set": {"role": role}}
    return db.users.find_one_and_update({"_id": oid, "deletedAt": None}, change,
                                        projection={"role": 1, "username": 1, "displayName": 1, "createdAt": 1}) if oid else None


# --- actions (idempotent: a repeated action changes nothing) --------------------------------
def _mark(status: str, reason: str) -> dict:
    return {"moderation": {"status": status, "reason": reason, "at": utcnow()}}


def take_down_video(db: Database, video_id, reason: str) -> bool:
    """Hide a video from everyone but its owner. Whether this call changed it."""
    done = db.videos.update_one({"_id": video_id, "moderation.status": {"$ne": TAKEN_DOWN}},
                                {"$set": _mark(TAKEN_DOWN, reason)})
    return done.modified_count == 1


def take_down_comment(db: Database, comment_id: ObjectId, reason: str) -> bool:
    """Hide a comment from everyone but its author (and unpin it). Whether this call did."""
    doc = db.comments.find_one_and_update(
        {"_id": comment_id, "moderation": None}, {"$set": _mark(TAKEN_DOWN, reason)},
        projection={"videoId": 1})
    if doc is None:
        return False
    db.videos.update_one({"_id": doc["videoId"], "pinnedCommentId": comment_id},
                         {"$set": {"pinnedCommentId": None}})
    return True


def suspend(db: Database, user_id: ObjectId, reason: str) -> bool:
    """Suspend an account: it can no longer sign in, refresh or use any token
    (tuber_common.account_status), its videos leave every list and its comments every
    thread (its channel is no channel: tuber_common.subscriptions.ACTIVE). Whether this
    call suspended it."""
    done = db.users.update_one({"_id": user_id, "suspendedAt": None},
                               {"$set": {"suspendedAt": utcnow(), "suspensionReason": reason}})
    # Also when someone else's call suspended it first: a crash between the two writes
    # is mended by the next resolve of the same report.
    mark = {"$set": _mark(ACCOUNT_SUSPENDED, reason)}
    db.videos.update_many({"ownerId": user_id, **LISTABLE}, mark)
    db.comments.update_many({"authorId": user_id, **LISTABLE}, mark)
    account_status.forget(str(user_id))
    return done.modified_count == 1


def forget_reporter(db: Database, user_id: ObjectId) -> None:
    """A deleted account's reports stay (moderators still see the counts and reasons) but no
    longer say who filed them; its notes go, the queue's copy of the newest one too."""
    # The copies first: run again after a crash in between, this still finds the notes.
    for report in db.reports.find({"reporterId": user_id, "note": {"$ne": None}},
                                  {"targetKey": 1, "note": 1}):
        db.report_cases.update_one({"targetKey": report["targetKey"],
                                    "lastNote": report["note"]}, {"$unset": {"lastNote": ""}})
    db.reports.update_many({"reporterId": user_id},
                           {"$set": {"reporterId": None, "note": None},
                            "$unset": {"openKey": ""}})


def _oid(user_id) -> ObjectId | None:
    if isinstance(user_id, ObjectId):
        return user_id
    return ObjectId(user_id) if isinstance(user_id, str) and ObjectId.is_valid(user_id) else None


def promote(db: Database, username: str, role: str) -> dict:
    """The command's work: give `username` a role (an audit entry records it)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    user = db.users.find_one({"usernameLower": users.key(username), "deletedAt": None},
                             {"_id": 1, "username": 1})
    if user is None:
        raise NotFound(f"no account named {username}", code="user_not_found")
    set_role(db, user["_id"], role)
    db.moderation_audit.insert_one({
        "at": utcnow(), "actorId": None, "action": "role", "targetType": "user",
        "targetId": str(user["_id"]), "reason": None, "note": f"{role} (command line)",
        "reportCount": None})
    return {"id": str(user["_id"]), "username": user["username"], "role": role}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "promote":
        print(__doc__.split("Admins are made")[1].strip(), file=sys.stderr)
        return 2
    from .db import get_db

    try:
        print(promote(get_db(), argv[1], argv[2]))
    except (ValueError, NotFound) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
