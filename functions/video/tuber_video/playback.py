"""Playback: who may play a video's HLS, and the CloudFront signed cookies that let them.

Every media request needs a signature (the media origin refuses unsigned ones with 403).
The cookies are handed out by GET /video/{id} and POST /video/{id}/playback to whoever may
play the video, by the same rules as seeing it (tuber_common.videos.can_see):
- public and unlisted videos, once PUBLIC: anyone, signed in or not (unlisted: anyone who
  has the id, which is 128 random bits);
- private videos: the owner alone (others get 404, as for the video itself);
- videos not yet PUBLIC: the owner alone, and only once they have media (409 before).

The cookies carry a custom policy for `{MEDIA_BASE_URL}/hls/{id}/*` and have Path
`/hls/{id}/`: they open that one video's playlists and segments, nothing else, for 5
minutes (`media_signing.PLAYBACK_TTL_SECONDS`); the client asks again while it plays. So
making a video private cuts others off within 5 minutes: they get no new cookies. The same
cookies open the storyboard (`storyboardUrl`: a WebVTT of sprite tiles for seek-bar
previews, under the same folder) and the rungs added while `pendingRenditions` still lists
some (progressive publishing: the master playlist is rewritten in place).
"""
from __future__ import annotations

from datetime import datetime, timezone

from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from pymongo.database import Database

from tuber_common import media_signing, watch_history
from tuber_common.clock import iso
from tuber_common.errors import Conflict
from tuber_common.videos import PUBLIC, find_visible_video, is_owner, media_url

from .catalog import shape


def may_play(doc: dict, viewer_id: str | None) -> bool:
    """For a video the viewer may see (can_see): whether it has media to play."""
    return bool(doc.get("hlsKey")) and (doc["status"] == PUBLIC or is_owner(doc, viewer_id))


def cookies(doc: dict, now: float | None = None) -> tuple[dict, list[Cookie]]:
    """({hlsUrl, storyboardUrl, expiresAt, expiresIn}, the Set-Cookie values) for one video.
    The storyboard (hls/{id}/storyboard.vtt and its sprites) is in the cookies' folder."""
    grant = media_signing.playback_cookies(str(doc["_id"]), now)
    lifetime = media_signing.PLAYBACK_TTL_SECONDS
    answer = {"hlsUrl": media_url(doc["hlsKey"]),
              "storyboardUrl": media_url(doc.get("storyboardKey")),
              "expiresAt": iso(datetime.fromtimestamp(grant.expires, timezone.utc)),
              "expiresIn": lifetime}
    return answer, [Cookie(name, value, path=grant.path, secure=grant.secure, http_only=True,
                           max_age=lifetime, same_site=SameSite.STRICT_MODE)
                    for name, value in grant.cookies.items()]


def watch(db: Database, video_id: str, viewer_id: str | None) -> tuple[dict, list[Cookie]]:
    """GET /video/{id}: the video, and playback cookies when the viewer may play it."""
    doc = find_visible_video(db, video_id, viewer_id)
    granted = cookies(doc)[1] if may_play(doc, viewer_id) else []
    video = shape(db, doc, viewer_id)
    if viewer_id is not None:  # where this viewer stopped: one point read, signed in only
        video["resumeAtSeconds"] = watch_history.resume_at(db, doc, viewer_id)
    return video, granted


def playback(db: Database, video_id: str, viewer_id: str | None) -> tuple[dict, list[Cookie]]:
    """POST /video/{id}/playback: fresh cookies (the web client calls it every few minutes
    while a video plays), the master playlist's URL and when the cookies expire."""
    doc = find_visible_video(db, video_id, viewer_id)
    if not may_play(doc, viewer_id):
        raise Conflict("this video has no playable media yet", code="video_not_playable")
    return cookies(doc)
