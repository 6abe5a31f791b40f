"""Changing and deleting a video: the owner only."""
from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.database import Database

from tuber_common import search_terms, video_removal
from tuber_common.clock import utcnow
from tuber_common.errors import NotFound
from tuber_common.tags import check_category, normalize_tags
from tuber_common.videos import find_owned_video

from .catalog import shape


def owned_video(db: Database, video_id: str, user_id: str) -> dict:
    # Someone else's private video stays invisible (404); any other video of theirs is 403.
    return find_owned_video(db, video_id, user_id)


def set_fields(db: Database, doc: dict, fields: dict, *, return_before: bool = False) -> dict:
    """$set `fields` (and updatedAt) on an owned video; the document after the write (or
    before it). The owner is in the filter too, so the ownership check and the write are one
    decision; 404 when the video went away in between."""
    result = db.videos.find_one_and_update(
        {"_id": doc["_id"], "ownerId": doc["ownerId"]},
        {"$set": {**fields, "updatedAt": utcnow()}},
        return_document=ReturnDocument.BEFORE if return_before else ReturnDocument.AFTER)
    if result is None:
        raise NotFound("video not found", code="video_not_found")
    return result


def update_video(db: Database, video_id: str, user_id: str, changes: dict) -> dict:
    update = dict(changes)
    # Checked before the ownership read: a refused value is the same 400 for anyone.
    if "tags" in update:
        update["tags"] = normalize_tags(update["tags"])
    if "category" in update:
        update["category"] = check_category(update["category"])
    doc = owned_video(db, video_id, user_id)
    after = search_terms.refresh(db.videos, set_fields(db, doc, update))
    return shape(db, after, user_id)


def delete_video(db: Database, video_id: str, user_id: str) -> None:
    """The owner deletes a video: everything of it goes (tuber_common.video_removal, the
    path account deletion takes too). Idempotent; works in any status."""
    video_removal.remove_video(db, owned_video(db, video_id, user_id))
