"""Pinning one top-level comment of a video: the owner's choice, shown first in its list
(functions/comment/tuber_comment/pins.py)."""
from __future__ import annotations

from pymongo.database import Database

from tuber_common.errors import NotFound, ValidationFailed
from tuber_common.ids import try_parse_id

from .catalog import shape
from .editing import owned_video, set_fields


def pin(db: Database, video_id: str, user_id: str, comment_id: str) -> dict:
    doc = owned_video(db, video_id, user_id)
    oid = try_parse_id(comment_id)
    comment = db.comments.find_one({"_id": oid, "videoId": doc["_id"], "deleted": False},
                                   {"parentId": 1}) if oid else None
    if comment is None:
        raise NotFound("comment not found", code="comment_not_found")
    if comment["parentId"] is not None:
        raise ValidationFailed("only a top-level comment can be pinned",
                               code="cannot_pin_reply")
    return shape(db, set_fields(db, doc, {"pinnedCommentId": comment["_id"]}), user_id)


def unpin(db: Database, video_id: str, user_id: str) -> dict:
    doc = owned_video(db, video_id, user_id)
    return shape(db, set_fields(db, doc, {"pinnedCommentId": None}), user_id)
