"""Watch history: what other paths need of it (the history function owns the routes,
functions/history/tuber_history/).

`watch_history` holds one entry per (user, video): `_id` (ObjectId), `userId`, `videoId` (the
video's `_id` as it is), `positionSeconds` (where the player was, clamped to the video's
length), `lastWatchedAt` (server time of the last report: the list's order), and the
`playbackId` / `sequence` of that report (reports of one playback apply in sequence order,
whatever order they arrive in). `history_settings`: `_id` = user id, `paused`.

Here: the rule for "watched to the end" (then the video starts over), the resume point
GET /video/{videoId} shows a signed-in viewer (one point read on the unique index), and the
clean-up hooks of video deletion, account deletion and export.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database

from .clock import iso
from .ids import VideoId, try_parse_id

ENTRIES = "watch_history"
SETTINGS = "history_settings"
# Near the end a video counts as watched and starts over: when at most this much is left,
# 10 s or the last 5% (a film's credits), whichever is longer.
END_SECONDS = 10.0
END_FRACTION = 0.05


def watched(position: float, duration: float | None) -> bool:
    """Whether a report at `position` finished the video (never, while its length is
    unknown: a video still processing)."""
    if not duration:
        return False
    return duration - position <= max(END_SECONDS, duration * END_FRACTION)


def resume_seconds(position: float, duration: float | None) -> float:
    """Where playing resumes: the stored position, or 0 once watched to the end."""
    return 0 if watched(position, duration) else position


def resume_at(db: Database, video: dict, viewer_id: str) -> float:
    """GET /video/{videoId}: the signed-in viewer's resume point in `video` (its document),
    0 without an entry. One point read on the (videoId, userId) unique index."""
    user = try_parse_id(viewer_id)
    entry = db[ENTRIES].find_one({"videoId": video["_id"], "userId": user},
                                 {"positionSeconds": 1, "_id": 0}) if user else None
    return resume_seconds(entry["positionSeconds"], video.get("durationSeconds")) \
        if entry else 0


def forget_video(db: Database, video_id: VideoId) -> None:
    """A deleted video leaves no entry in anyone's history."""
    db[ENTRIES].delete_many({"videoId": video_id})


def forget_user(db: Database, user_id: ObjectId) -> None:
    """A deleted account's history and its setting go."""
    db[ENTRIES].delete_many({"userId": user_id})
    db[SETTINGS].delete_one({"_id": user_id})


def export_entry(doc: dict) -> dict:
    """An entry as GET /auth/me/export lists it."""
    return {"videoId": str(doc["videoId"]), "positionSeconds": doc.get("positionSeconds"),
            "lastWatchedAt": iso(doc.get("lastWatchedAt"))}
