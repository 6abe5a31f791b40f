"""Watch history, as YouTube keeps it: one entry per (user, video), the last watched first,
with where the viewer stopped (the documents: tuber_common.watch_history).

The player reports every ~10 s per viewer, so a report is one conditional upsert on the
unique (videoId, userId) index, never a read-modify-write of the entry: parallel reports
leave one entry, and the `sequence` of one playback orders them (an older report arriving
late matches no document and meets the unique index instead: it changes nothing). Around it,
two point reads: the video (who may see it, its length) and the pause setting.

Entries whose video the caller may no longer see (made private, not PUBLIC any more) are
hidden, not removed: they come back if the video does. A deleted video's entries go with it
(tuber_common.video_removal).
"""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common.clock import iso, utcnow
from tuber_common.ids import parse_video_id, user_oid
from tuber_common.pagination import page
from tuber_common.users import hydrate_users
from tuber_common.videos import can_see, find_visible_video, video_out
from tuber_common.watch_history import ENTRIES, SETTINGS, resume_seconds, watched

# A user's history keeps this many entries at most: the oldest go when a new one comes.
MAX_ENTRIES = 5000
_VIDEO_FIELDS = {"ownerId": 1, "visibility": 1, "status": 1, "durationSeconds": 1}


def is_paused(db: Database, user: ObjectId) -> bool:
    found = db[SETTINGS].find_one({"_id": user}, {"paused": 1})
    return bool(found and found.get("paused"))


def settings(db: Database, user_id: str) -> dict:
    """GET /history/settings."""
    return {"paused": is_paused(db, user_oid(user_id))}


def change_settings(db: Database, user_id: str, paused: bool) -> dict:
    """PUT /history/settings: pausing records nothing new and keeps what is there."""
    db[SETTINGS].update_one({"_id": user_oid(user_id)},
                            {"$set": {"paused": paused, "updatedAt": utcnow()}}, upsert=True)
    return {"paused": paused}


def _upsert(db: Database, key: dict, fields: dict, playback_id: str | None,
            sequence: int | None) -> bool:
    """Write the report; False when a newer report of the same playback is stored."""
    query = dict(key)
    if playback_id is not None:
        # Any other playback's report is older than this one (it arrived before); the same
        # playback's only if its sequence is lower.
        query["$or"] = [{"playbackId": {"$ne": playback_id}}, {"sequence": {"$lt": sequence}}]
    update = {"$set": fields}
    try:
        result = db[ENTRIES].update_one(query, update, upsert=True)
    except DuplicateKeyError:
        # The entry exists and the query did not match it: a concurrent first report
        # inserted it (match it now), or it holds a newer report (it still does not match).
        try:
            result = db[ENTRIES].update_one(query, update, upsert=True)
        except DuplicateKeyError:
            return False
    if result.upserted_id is not None:
        _trim(db, key["userId"])
    return True


def _trim(db: Database, user: ObjectId) -> None:
    """Keep MAX_ENTRIES: run only when an entry is created (once per user and video)."""
    beyond = list(db[ENTRIES].find({"userId": user}, {"lastWatchedAt": 1})
                  .sort([("lastWatchedAt", -1), ("_id", -1)]).skip(MAX_ENTRIES).limit(1))
    if beyond:
        db[ENTRIES].delete_many({"userId": user,
                                 "lastWatchedAt": {"$lte": beyond[0]["lastWatchedAt"]}})


def report(db: Database, user_id: str, video_id: str, position: float,
           playback_id: str | None = None, sequence: int | None = None) -> dict:
    """PUT /history/{videoId}: the player's position. While history is paused nothing is
    recorded (`recorded: false, paused: true`); a report older than the stored one of the
    same playback neither (`recorded: false`, reason `stale_report`)."""
    user = user_oid(user_id)
    video = find_visible_video(db, video_id, user_id, _VIDEO_FIELDS)
    if is_paused(db, user):
        return {"recorded": False, "paused": True, "reason": "history_paused"}
    duration = video.get("durationSeconds")
    # Players overshoot the probed length by a fraction of a segment: clamp, do not refuse.
    position = min(position, duration) if duration else position
    now = utcnow()
    fields = {"positionSeconds": position, "lastWatchedAt": now,
              "playbackId": playback_id, "sequence": sequence}
    if not _upsert(db, {"videoId": video["_id"], "userId": user}, fields, playback_id,
                   sequence):
        return {"recorded": False, "paused": False, "reason": "stale_report"}
    return {"recorded": True, "paused": False, "positionSeconds": position,
            "watched": watched(position, duration),
            "resumeAtSeconds": resume_seconds(position, duration), "lastWatchedAt": iso(now)}


def _item(entry: dict, video: dict, owner: dict | None) -> dict:
    position, duration = entry["positionSeconds"], video.get("durationSeconds")
    return {"video": video_out(video, owner), "positionSeconds": position,
            "watched": watched(position, duration),
            "resumeAtSeconds": resume_seconds(position, duration),
            "lastWatchedAt": iso(entry["lastWatchedAt"])}


def list_history(db: Database, user_id: str, limit: int, cursor: str | None) -> dict:
    """GET /history: the last watched first. Entries of videos the caller may not see now
    are skipped, so a page may hold fewer than `limit` items while `nextCursor` leads on."""
    user = user_oid(user_id)
    entries, next_cursor = page(db[ENTRIES], {"userId": user}, sort_field="lastWatchedAt",
                                limit=limit, cursor=cursor,
                                projection={"videoId": 1, "positionSeconds": 1,
                                            "lastWatchedAt": 1})
    ids = [e["videoId"] for e in entries]
    found = {v["_id"]: v for v in db.videos.find({"_id": {"$in": ids}})} if ids else {}
    shown = [(e, found[e["videoId"]]) for e in entries
             if e["videoId"] in found and can_see(found[e["videoId"]], user_id)]
    owners = hydrate_users(db, [v["ownerId"] for _, v in shown])
    return {"items": [_item(e, v, owners.get(str(v["ownerId"]))) for e, v in shown],
            "nextCursor": next_cursor, "paused": is_paused(db, user)}


def remove(db: Database, user_id: str, video_id: str) -> None:
    """DELETE /history/{videoId}: idempotent, whether or not the video can still be seen."""
    db[ENTRIES].delete_one({"videoId": parse_video_id(video_id), "userId": user_oid(user_id)})


def clear(db: Database, user_id: str) -> None:
    """DELETE /history: every entry goes; the pause setting stays."""
    db[ENTRIES].delete_many({"userId": user_oid(user_id)})
