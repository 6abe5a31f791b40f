"""The video document, shared by the functions that read it (video, like, comment,
transcode, on_transcoded): its states, who may see it, and its API shape.

Document fields: _id (a random string, tuber_common.ids; an ObjectId on videos created
before issue 14), ownerId, title, description, visibility, status,
failureReason, contentType, sizeBytes, rawKey, declaredDurationSeconds (the length
the client declared at creation, or null), viewCount, likeCount, dislikeCount,
commentCount, durationSeconds, thumbnailKey (generated), customThumbnailKey (uploaded by
the owner, shown instead), hlsKey, renditions (the rungs ready to play, lowest first),
pendingRenditions (names of the rungs still encoding), storyboardKey (a WebVTT of sprite
tiles), progressPercent, commentsEnabled, ratingsEnabled, pinnedCommentId, tags
(normalized: tuber_common.tags; absent on older videos: none), category (an id of
tuber_common.tags.CATEGORIES, or null), searchTitle and searchTerms (the words it is
found by: tuber_common.search_terms), processing
({ffmpegSeconds, uploadSeconds}: what the last transcode cost, for operators), createdAt,
updatedAt, publishedAt. Counters change only by atomic $inc.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database

from . import media_signing, moderation
from .clock import iso
from .errors import Forbidden, NotFound
from .ids import try_parse_video_id
from .users import deleted_user

UPLOADING, PROCESSING, PUBLIC, FAILED = "UPLOADING", "PROCESSING", "PUBLIC", "FAILED"
STATUSES = (UPLOADING, PROCESSING, PUBLIC, FAILED)
VISIBILITIES = ("public", "unlisted", "private")
COUNTERS = ("viewCount", "likeCount", "dislikeCount", "commentCount")
# What a client learns of a rung (response_models.Rendition); the transcoder's own fields
# (playlist URIs, I-frame bandwidth) stay in the document.
RENDITION_FIELDS = ("name", "width", "height", "bandwidth", "averageBandwidth", "codecs",
                    "frameRate")


def public_rendition(rung: dict) -> dict:
    return {key: rung[key] for key in RENDITION_FIELDS if key in rung}

def comments_enabled(doc: dict) -> bool:
    return doc.get("commentsEnabled") is not False


def ratings_enabled(doc: dict) -> bool:
    return doc.get("ratingsEnabled") is not False


def is_owner(doc: dict, viewer_id: str | None) -> bool:
    return viewer_id is not None and str(doc["ownerId"]) == viewer_id


def can_see(doc: dict, viewer_id: str | None) -> bool:
    """Who may see a video, the one rule every read path follows: its owner always; anyone
    else (signed in or not) only a video that is PUBLIC and not private. Unlisted: anyone
    with the id, never in a list. Taken down by a moderator: its owner alone
    (tuber_common.moderation). Everyone else gets 404, as if it did not exist."""
    return is_owner(doc, viewer_id) or (
        doc.get("visibility") != "private" and doc.get("status") == PUBLIC
        and not moderation.hidden(doc))


def find_visible_video(db: Database, video_id: str, viewer_id: str | None,
                       projection: dict | None = None) -> dict:
    """The video if `viewer_id` may see it (can_see); 404 otherwise (also for malformed
    ids). Takes either id format (tuber_common.ids). A projection must hold ownerId,
    visibility and status (`moderation` is added)."""
    key = try_parse_video_id(video_id)
    if projection is not None:
        projection = {**projection, "moderation": 1}
    doc = db.videos.find_one({"_id": key}, projection) if key is not None else None
    if doc is None or not can_see(doc, viewer_id):
        raise NotFound("video not found", code="video_not_found")
    return doc


def find_owned_video(db: Database, video_id: str, user_id: str) -> dict:
    """For the owner's writes: the video if `user_id` owns it. Someone else's private
    video stays invisible (404); any other video of theirs is 403 `not_owner`."""
    key = try_parse_video_id(video_id)
    doc = db.videos.find_one({"_id": key}) if key is not None else None
    if doc is None or (doc.get("visibility") == "private" and not is_owner(doc, user_id)):
        raise NotFound("video not found", code="video_not_found")
    if not is_owner(doc, user_id):
        raise Forbidden("only the owner may change this video", code="not_owner")
    return doc


def media_url(key: str | None) -> str | None:
    """A media key's URL at the media origin, unsigned: HLS playlists and segments are
    opened by the playback cookies (POST /video/{id}/playback), thumbnails are signed."""
    return media_signing.media_url(key) if key else None


def video_out(doc: dict, owner: dict | None, my_rating: str | None = None,
              include_my_rating: bool = False) -> dict:
    out = {
        "id": str(doc["_id"]),
        "title": doc["title"],
        "description": doc.get("description", ""),
        "visibility": doc["visibility"],
        "status": doc["status"],
        "failureReason": doc.get("failureReason"),
        "owner": owner or deleted_user(str(doc["ownerId"])),
        **{name: int(doc.get(name, 0)) for name in COUNTERS},
        "durationSeconds": doc.get("durationSeconds"),
        # The owner's own thumbnail wins over the one the transcoder generated.
        # A signed URL (tuber_common.media_signing): the same for minutes, dead within 5.
        "thumbnailUrl": media_signing.signed_thumbnail_url(
            doc.get("customThumbnailKey") or doc.get("thumbnailKey")),
        "customThumbnail": bool(doc.get("customThumbnailKey")),
        "hlsUrl": media_url(doc.get("hlsKey")) if doc["status"] == PUBLIC else None,
        # Seek-bar previews (WebVTT of sprite tiles), opened by the same playback cookies.
        "storyboardUrl": media_url(doc.get("storyboardKey")) if doc["status"] == PUBLIC
        else None,
        # Progressive publishing: PUBLIC once the lowest rung plays; `renditions` grows as the
        # rungs named in `pendingRenditions` finish.
        "renditions": [public_rendition(r) for r in doc.get("renditions") or ()],
        "pendingRenditions": list(doc.get("pendingRenditions") or [])
        if doc["status"] in (PROCESSING, PUBLIC) else [],
        "createdAt": iso(doc.get("createdAt")),
        "publishedAt": iso(doc.get("publishedAt")),
        # Transcoding progress: 0-100 while PROCESSING (ffmpeg backend) and while higher
        # rungs are still encoding after PUBLIC; 100 once PUBLIC with nothing pending.
        "progressPercent": 100 if doc["status"] == PUBLIC and not doc.get("pendingRenditions")
        else doc.get("progressPercent"),
        # Creator controls (absent on older documents: on).
        "commentsEnabled": comments_enabled(doc),
        "ratingsEnabled": ratings_enabled(doc),
        "pinnedCommentId": str(doc["pinnedCommentId"]) if doc.get("pinnedCommentId") else None,
        # Discovery (absent on older videos: none).
        "tags": list(doc.get("tags") or []),
        "category": doc.get("category"),
    }
    if include_my_rating:
        out["myRating"] = my_rating or "none"
    if doc.get("moderation"):  # only its owner can see it: why it is hidden from others
        out["moderation"] = moderation.moderation_out(doc)
    return out


def owner_ids(docs: list[dict]) -> list[ObjectId]:
    return [d["ownerId"] for d in docs]
