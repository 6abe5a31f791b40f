"""Playlists as the other functions touch them: what goes when a video or an account goes
(the playlist function itself: functions/playlist/tuber_playlist/).

Collections:
- `playlists`: `_id, ownerId, kind ("playlist" or "watch_later"), title, description,
  visibility, createdAt, updatedAt`; `watchLaterOf` (= ownerId, unique) on the one Watch later
  playlist of each user; `deletingAt` while a deletion is being carried through (the playlist
  is gone to every reader from then on).
- `playlist_items`: `_id, playlistId, videoId (the video's _id as it is), rank, addedAt`;
  unique (playlistId, videoId) and (playlistId, rank). `rank` orders the items
  (tuber_playlist.ranks); a position is counted, never stored, and so is a playlist's
  itemCount: no counter can drift, whatever removes items.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database

from .clock import utcnow
from .ids import VideoId


def forget_video(db: Database, video_id: VideoId) -> int:
    """A video is being deleted: out of every playlist (one indexed delete_many, however
    many playlists held it). How many items went."""
    return db.playlist_items.delete_many({"videoId": video_id}).deleted_count


def delete_playlist(db: Database, playlist_id: ObjectId) -> None:
    """Mark (readers and writers see no playlist from here), remove the items, then the
    document. Each step is idempotent: a deletion stopped anywhere is finished by the next
    call. An item added by a request that read the playlist before the mark is removed by
    that request itself (it checks the playlist after its insert)."""
    db.playlists.update_one({"_id": playlist_id, "deletingAt": None},
                            {"$set": {"deletingAt": utcnow()}})
    db.playlist_items.delete_many({"playlistId": playlist_id})
    db.playlists.delete_one({"_id": playlist_id})


def forget_owner(db: Database, user_id: ObjectId) -> int:
    """An account is being deleted: its playlists (Watch later too) and their items, as
    delete_playlist does for one, in three writes for all of them. How many playlists went."""
    ids = [p["_id"] for p in db.playlists.find({"ownerId": user_id}, {"_id": 1})]
    if ids:
        db.playlists.update_many({"_id": {"$in": ids}, "deletingAt": None},
                                 {"$set": {"deletingAt": utcnow()}})
        db.playlist_items.delete_many({"playlistId": {"$in": ids}})
        db.playlists.delete_many({"_id": {"$in": ids}})
    return len(ids)
