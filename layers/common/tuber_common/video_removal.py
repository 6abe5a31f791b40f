"""Removing a video and everything that hangs on it: the one delete path, used by
DELETE /video/{videoId} (tuber_video.editing) and by account deletion
(tuber_common.account_removal).

Media, ratings, views and comments first, the video document last: if any step fails, the
video is still there and removing it again finishes the job (each step is idempotent). Works
in any status; a transcode still running notices the video is gone and removes what it
wrote. Calls S3 (and CloudFront): only functions allowed to delete media import it.
"""
from __future__ import annotations

from pymongo.database import Database

from . import multipart, notifications, playlists, storage, watch_history
from .media_keys import cdn_paths, raw_key, video_prefixes


def remove_video(db: Database, doc: dict) -> None:
    """Remove the video `doc` (its document as stored) and all that is its."""
    vid = doc["_id"]
    upload = (doc.get("multipart") or {}).get("uploadId")
    if upload:  # its stored parts go too
        multipart.abort(raw_key(vid), upload)
    storage.delete_prefixes(video_prefixes(vid))
    # Copies the CDN cached stop being served too (a viewer's cookies may live 5 minutes).
    storage.invalidate_cdn(cdn_paths(vid))
    db.ratings.delete_many({"videoId": vid})
    db.views.delete_many({"videoId": vid})
    db.view_hours.delete_many({"videoId": vid})  # trending's hourly buckets
    db.comments.delete_many({"videoId": vid})
    playlists.forget_video(db, vid)
    notifications.forget_video(db, vid)
    watch_history.forget_video(db, vid)
    db.videos.delete_one({"_id": vid})
