"""Comments on videos: one level of replies, counters kept by `$inc` only.

Rules (also in docs/DEVELOPING.md):
- `commentCount` on the video counts every live comment, replies included.
- `replyCount` on a top-level comment counts its live replies.
- A reply to a reply joins the top-level thread (one level, as on YouTube).
- Deleting a comment with live replies leaves a placeholder (`deleted: true`, text and
  author gone) so the thread stays readable; otherwise the document is removed. A
  placeholder whose last reply goes is removed too (the one delete path:
  tuber_common.comment_removal, which account deletion uses as well).

Every counter move follows one atomic document change that only one request can win
(a conditional find_one_and_update / find_one_and_delete, or an insert), so concurrent
creates and deletes keep the counters equal to the documents.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database

from tuber_common import comment_removal, counters, moderation, notifications
from tuber_common.clock import iso, utcnow
from tuber_common.db import insert_new
from tuber_common.errors import Conflict, Forbidden, NotFound
from tuber_common.ids import VideoId, try_parse_id, user_oid
from tuber_common.pagination import page
from tuber_common.users import hydrate_users
from tuber_common.videos import PUBLIC, comments_enabled, find_visible_video

from . import pins

VIDEO_FIELDS = {"ownerId": 1, "visibility": 1, "status": 1, "commentsEnabled": 1,
                "pinnedCommentId": 1}
# Set on the video before each comment is added or removed (see tuber_common.counters).
STAMP = comment_removal.STAMP


def _not_found() -> NotFound:
    return NotFound("comment not found", code="comment_not_found")


def _visible_video(db: Database, video_id: str, viewer_id: str | None) -> dict:
    return find_visible_video(db, video_id, viewer_id, VIDEO_FIELDS)


def _check_comments_enabled(video: dict) -> None:
    # Turned off by the owner: no new comments, replies or edits; reading and deleting stay.
    if not comments_enabled(video):
        raise Forbidden("the owner turned comments off for this video",
                        code="comments_disabled")


def _load_live(db: Database, comment_id: str) -> dict:
    oid = try_parse_id(comment_id)
    doc = db.comments.find_one({"_id": oid, "deleted": False}) if oid else None
    if doc is None:
        raise _not_found()
    return doc


def _reserve_reply(db: Database, video_id: VideoId, parent_id: str) -> ObjectId:
    """Count the coming reply on its thread first: a thread with replies is never removed
    outright, so the reply cannot end up orphaned by a concurrent delete."""
    target_id = try_parse_id(parent_id)
    target = db.comments.find_one({"_id": target_id, "videoId": video_id},
                                  {"parentId": 1, "deleted": 1}) if target_id else None
    if target is None:
        raise _not_found()
    if target["deleted"]:
        raise Conflict("that comment was deleted", code="comment_deleted")
    top_id = target["parentId"] or target["_id"]
    top = db.comments.find_one_and_update({"_id": top_id, "parentId": None},
                                          {"$inc": {"replyCount": 1}}, projection={"_id": 1})
    if top is None:
        raise Conflict("that thread was deleted", code="comment_deleted")
    return top_id


def create(db: Database, user_id: str, video_id: str, text: str,
           parent_id: str | None = None) -> dict:
    video = _visible_video(db, video_id, user_id)
    if video["status"] != PUBLIC:
        raise Conflict("only published videos take comments", code="video_not_published")
    _check_comments_enabled(video)
    author = user_oid(user_id)
    counters.stamp_changing(db, video["_id"], STAMP)
    top_id = _reserve_reply(db, video["_id"], parent_id) if parent_id is not None else None
    doc = {"videoId": video["_id"], "parentId": top_id, "authorId": author, "text": text,
           "replyCount": 0, "edited": False, "editedAt": None, "deleted": False,
           "createdAt": utcnow()}
    try:
        doc["_id"] = insert_new(db.comments, doc)
    except Exception:
        if top_id is not None:  # give back the reserved reply slot
            db.comments.update_one({"_id": top_id}, {"$inc": {"replyCount": -1}})
        raise
    comment_removal.count(db, video["_id"], 1)
    notifications.comment_created(db, video, doc, parent_id)
    return doc


def list_comments(db: Database, viewer_id: str | None, video_id: str, limit: int,
                  cursor: str | None, parent_id: str | None = None) -> tuple[list[dict], str | None]:
    """Top-level comments newest first; with `parent_id`, that thread's replies oldest first."""
    video = _visible_video(db, video_id, viewer_id)
    pinned = None
    if parent_id is None:
        query = pins.exclude({"videoId": video["_id"], "parentId": None}, video)
        newest_first = True
        if cursor is None:
            pinned = pins.pinned_comment(db, video)
    else:
        top_id = try_parse_id(parent_id)
        if top_id is None or db.comments.find_one(
                {"_id": top_id, "videoId": video["_id"], "parentId": None}, {"_id": 1}) is None:
            raise _not_found()
        query, newest_first = {"videoId": video["_id"], "parentId": top_id}, False
    docs, next_cursor = page(db.comments, query, sort_field="createdAt",
                             descending=newest_first, limit=limit, cursor=cursor)
    # The pinned comment comes on top of the first page's `limit` others.
    docs = moderation.comments_for([pinned, *docs] if pinned else docs, viewer_id)
    return present(db, docs), next_cursor


def _author_may_act(db: Database, user_id: str, comment: dict) -> dict:
    # A comment on a video the caller can no longer see does not exist for them.
    return find_visible_video(db, str(comment["videoId"]), user_id, VIDEO_FIELDS)


def edit(db: Database, user_id: str, comment_id: str, text: str) -> dict:
    comment = _load_live(db, comment_id)
    video = _author_may_act(db, user_id, comment)
    if str(comment["authorId"]) != user_id:
        raise Forbidden("only the author can edit a comment", code="not_author")
    _check_comments_enabled(video)
    doc = db.comments.find_one_and_update(
        {"_id": comment["_id"], "deleted": False},
        {"$set": {"text": text, "edited": True, "editedAt": utcnow()}},
        return_document=ReturnDocument.AFTER)
    if doc is None:  # deleted meanwhile
        raise _not_found()
    doc["pinned"] = pins.pinned_id(video) == doc["_id"]
    return doc


def delete(db: Database, user_id: str, comment_id: str) -> None:
    comment = _load_live(db, comment_id)
    video = _author_may_act(db, user_id, comment)
    if user_id not in (str(comment["authorId"]), str(video["ownerId"])):
        raise Forbidden("only the author or the video's owner can delete a comment",
                        code="not_allowed")
    if not comment_removal.remove(db, comment):
        raise _not_found()  # another request deleted it first; it counted


def recount(db: Database, video_id: VideoId, at_rest) -> dict[str, int]:
    """`commentCount` as the comments say (live ones, replies included). On the way, each
    thread's `replyCount` is set to its live replies (a reply reserved by a request that
    died before inserting it left one too many), and a placeholder left with none goes."""
    threads = list(db.comments.find({"videoId": video_id, "parentId": None},
                                    {"replyCount": 1, "deleted": 1}))
    replies = {row["_id"]: row["n"] for row in db.comments.aggregate([
        {"$match": {"videoId": video_id, "parentId": {"$ne": None}, "deleted": False}},
        {"$group": {"_id": "$parentId", "n": {"$sum": 1}}}])}
    live = db.comments.count_documents({"videoId": video_id, "deleted": False})
    if at_rest():  # else a request has started: the next run repairs (tuber_common.counters)
        for thread in threads:
            stored, actual = thread.get("replyCount", 0), replies.get(thread["_id"], 0)
            if stored != actual:
                db.comments.update_one({"_id": thread["_id"], "replyCount": stored},
                                       {"$set": {"replyCount": actual}})
            if thread["deleted"] and actual == 0:
                comment_removal.drop_empty_placeholder(db, thread["_id"])
    return {"commentCount": live}


def reconcile_counts(db: Database) -> dict:
    """Scheduled: repair the counts of videos whose comments changed (tuber_common.counters)."""
    return counters.reconcile(db, STAMP, recount)


def comment_out(doc: dict, author: dict | None) -> dict:
    deleted = bool(doc.get("deleted"))
    out = {
        "id": str(doc["_id"]),
        "videoId": str(doc["videoId"]),
        "parentId": str(doc["parentId"]) if doc.get("parentId") else None,
        "text": "" if deleted else doc["text"],
        "author": None if deleted or author is None else {
            "id": author["id"], "username": author["username"],
            "displayName": author["displayName"]},
        "replyCount": int(doc.get("replyCount", 0)),
        "edited": bool(doc.get("edited")),
        "editedAt": iso(doc.get("editedAt")),
        "deleted": deleted,
        # `pinned` is set on the dict by the list (tuber_comment.pins), never stored.
        "pinned": bool(doc.get("pinned")),
        "createdAt": iso(doc["createdAt"]),
    }
    if doc.get("moderation") and not deleted:  # its author's view (moderation.comments_for)
        out["moderation"] = moderation.moderation_out(doc)
    return out


def present(db: Database, docs: list[dict]) -> list[dict]:
    """API shapes for a page of comments, their authors hydrated in one query."""
    authors = hydrate_users(db, [d["authorId"] for d in docs if not d.get("deleted")])
    return [comment_out(d, authors.get(str(d["authorId"]))) for d in docs]
