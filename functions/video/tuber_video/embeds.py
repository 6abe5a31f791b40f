"""The embed page's video (GET /video/{videoId}/embed): what /embed/{videoId} shows, with
a playback signature it can use inside another site's iframe.

The watch page plays with CloudFront signed cookies (tuber_video.playback). In a cross-site
iframe those cookies are third-party (and SameSite=Strict): Safari and Chrome do not send
them. CloudFront accepts the same custom-policy signature as query parameters on every
request instead (`Policy`, `Signature`, `Key-Pair-Id`), so this answer carries them as a
query string that the embed's hls.js appends to each playlist and segment URL. Same policy,
same scope (`{media}/hls/{id}/*`), same 5 minutes: the page asks again while it plays.

Embeds are anonymous: they show what anyone may see (public and unlisted videos once
PUBLIC, not taken down); private, unknown and unpublished videos are 404 alike, even for
their owner, whose session the iframe never has.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from pymongo.database import Database

from tuber_common import media_signing
from tuber_common.clock import iso
from tuber_common.errors import Conflict
from tuber_common.videos import find_visible_video, media_url

from .catalog import shape

# The cookie names of tuber_common.media_signing and the query parameters CloudFront reads.
_QUERY_NAMES = {media_signing.COOKIE_POLICY: "Policy",
                media_signing.COOKIE_SIGNATURE: "Signature",
                media_signing.COOKIE_KEY_PAIR_ID: "Key-Pair-Id"}


def signed_query(video_id: str, now: float | None = None) -> tuple[str, int]:
    """(`Policy=...&Signature=...&Key-Pair-Id=...`, expiry epoch) opening /hls/{video_id}/."""
    grant = media_signing.playback_cookies(video_id, now)
    # CloudFront's base64 uses only URL-safe characters (- _ ~): urlencode leaves them be.
    query = urlencode({_QUERY_NAMES[name]: value for name, value in grant.cookies.items()})
    return query, grant.expires


def embed(db: Database, video_id: str, now: float | None = None) -> dict:
    """{video, playback: {hlsUrl, query, expiresAt, expiresIn}} for an anonymous viewer."""
    doc = find_visible_video(db, video_id, None)
    if not doc.get("hlsKey"):
        raise Conflict("this video has no playable media yet", code="video_not_playable")
    query, expires = signed_query(str(doc["_id"]), now)
    return {"video": shape(db, doc, None),
            "playback": {"hlsUrl": media_url(doc["hlsKey"]), "query": query,
                         "expiresAt": iso(datetime.fromtimestamp(expires, timezone.utc)),
                         "expiresIn": media_signing.PLAYBACK_TTL_SECONDS}}
